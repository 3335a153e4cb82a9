// The directory's names through a rename (actors/directory.cpp): a session that renames keeps
// its old name until it releases it, which its connection does once every room it is in has
// applied the rename. The swarm found why (docs/simulation.md, "Real bugs the swarm found"):
// when the old name was free at once, another session could claim it and join a room before
// that room had renamed the first session, and the room took the two for one member. One real
// directory on CAF's testing scheduler, with fake sessions; nothing sleeps.
#include <catch2/catch.hpp>

#include <memory>
#include <string>
#include <vector>

#include "caf/all.hpp"
#include "caf/scheduler/test_coordinator.hpp"

#include "actors/directory.hpp"

using namespace parley;

namespace {

using log_ptr = std::shared_ptr<std::vector<std::string>>;

// A session that claims `name` and then renames itself to `new_name`, logging both answers;
// otherwise a member that ignores what rooms send it.
member_actor::behavior_type renaming_session(member_actor::pointer self, directory_actor dir,
                                             std::string name, std::string new_name,
                                             log_ptr log) {
  self->request(dir, caf::infinite, claim_name{name, self})
    .then([=](claim_name_result& r) {
      log->push_back(r.ok ? "claimed " + name : "refused " + name);
      self->request(dir, caf::infinite, rename_user{name, new_name})
        .then([=](rename_user_result& r2) {
          log->push_back(r2.ok ? "renamed to " + new_name : "rename refused");
        });
    });
  return {
    [](deliver_text&) {},
    [](member_removed&) {},
    [](end_session&) {},
    [](describe_member&) { return describe_member_result{}; },
  };
}

// A session that only claims `name` and logs the answer.
member_actor::behavior_type claiming_session(member_actor::pointer self, directory_actor dir,
                                             std::string name, log_ptr log) {
  self->request(dir, caf::infinite, claim_name{name, self}).then([=](claim_name_result& r) {
    log->push_back(r.ok ? "claimed " + name : "refused " + name);
  });
  return {
    [](deliver_text&) {},
    [](member_removed&) {},
    [](end_session&) {},
    [](describe_member&) { return describe_member_result{}; },
  };
}

struct directory_fixture {
  caf::actor_system_config cfg;
  std::unique_ptr<caf::actor_system> sys;
  caf::scheduler::test_coordinator* sched = nullptr;
  directory_actor dir;
  log_ptr log = std::make_shared<std::vector<std::string>>();
  std::vector<member_actor> sessions;

  directory_fixture() {
    cfg.set("scheduler.policy", caf::atom("testing"));
    sys = std::make_unique<caf::actor_system>(cfg);
    sched = &dynamic_cast<caf::scheduler::test_coordinator&>(sys->scheduler());
    dir = spawn_directory(*sys, directory_config{});
    sched->run();
  }

  ~directory_fixture() {
    for (auto& s : sessions)
      caf::anon_send_exit(s, caf::exit_reason::user_shutdown);
    caf::anon_send_exit(dir, caf::exit_reason::user_shutdown);
    sched->run();
  }

  member_actor renamer(const std::string& name, const std::string& new_name) {
    sessions.push_back(sys->spawn(renaming_session, dir, name, new_name, log));
    sched->run();
    return sessions.back();
  }

  /// Whether another session may claim `name` now.
  bool claimable(const std::string& name) {
    log->clear();
    sessions.push_back(sys->spawn(claiming_session, dir, name, log));
    sched->run();
    REQUIRE(log->size() == 1);
    bool ok = log->front() == "claimed " + name;
    caf::anon_send_exit(sessions.back(), caf::exit_reason::user_shutdown);
    sched->run(); // the claimer's name goes with it
    return ok;
  }
};

} // namespace

TEST_CASE("a renamed session keeps its old name until it releases it", "[directory]") {
  directory_fixture f;
  auto alice = f.renamer("alice", "bob");
  CHECK(*f.log == std::vector<std::string>{"claimed alice", "renamed to bob"});
  // Its rooms may still know it as alice: nobody else may be alice yet.
  CHECK_FALSE(f.claimable("alice"));
  CHECK_FALSE(f.claimable("bob"));
  // Once its connection has heard back from every room, it gives the old name back.
  caf::send_as(caf::actor_cast<caf::actor>(alice), f.dir, release_name{"alice"});
  f.sched->run();
  CHECK(f.claimable("alice"));
  CHECK_FALSE(f.claimable("bob")); // its current name stays its own
}

TEST_CASE("a session that ends during a rename frees both of its names", "[directory]") {
  directory_fixture f;
  auto alice = f.renamer("alice", "bob");
  caf::anon_send_exit(alice, caf::exit_reason::kill);
  f.sched->run();
  CHECK(f.claimable("alice"));
  CHECK(f.claimable("bob"));
}

TEST_CASE("a session that logs out during a rename frees both of its names", "[directory]") {
  directory_fixture f;
  auto alice = f.renamer("alice", "bob");
  // Logging out releases the current name; the old one kept for the rename goes too.
  caf::send_as(caf::actor_cast<caf::actor>(alice), f.dir, release_name{"bob"});
  f.sched->run();
  CHECK(f.claimable("alice"));
  CHECK(f.claimable("bob"));
}

TEST_CASE("only the renamed session may release its old name", "[directory]") {
  directory_fixture f;
  f.renamer("alice", "bob");
  caf::anon_send(f.dir, release_name{"alice"}); // from nobody: refused
  f.sched->run();
  CHECK_FALSE(f.claimable("alice"));
}
