// IRC conformance tests of the live server (tests/support/live_server.hpp): channel modes
// (sessions/irc/channel_modes.cpp; the rooms decide): MODE queries and errors, and each of the
// modes n t k l i m s o v b.
#include <catch2/catch.hpp>

#include <chrono>
#include <string>

#include "tests/support/live_server.hpp"

using namespace std::chrono_literals;
using namespace parley::test::live;
using parley::test::tcp_client;

namespace {

/// The lines of an own JOIN when the channel has a topic: JOIN, 332, 333, 353, 366.
void join_with_topic(tcp_client& c, const std::string& nick, const std::string& channel,
                     const std::string& topic, const std::string& setter, std::int64_t earliest,
                     std::int64_t latest, const std::string& names) {
  c.send_line("JOIN " + channel);
  c.expect_line(M(nick) + " JOIN " + channel);
  c.expect_line(S("332 " + nick + " " + channel + " " + T(topic)));
  expect_topic_whotime(c, nick, channel, setter, earliest, latest);
  c.expect_line(S("353 " + nick + " = " + channel + " " + T(names)));
  c.expect_line(S("366 " + nick + " " + channel + " :End of /NAMES list"));
}

} // namespace

// --- MODE ---

TEST_CASE("MODE: channel modes (324), user modes (221), changes by a non-op refused (482)",
          "[irc]") {
  live_server srv;
  irc_user alice{srv, "alice"}, bob{srv, "bob"};
  create(alice, "alice", "#lobby");
  join_seen(bob, "bob", "#lobby", "@alice bob", {&alice});
  alice.send_line("MODE #lobby");
  alice.expect_line(S("324 alice #lobby +nt"));
  bob.send_line("MODE #lobby +m");
  bob.expect_line(S("482 bob #lobby :You're not channel operator"));
  sync(alice, "no-mode-change");
  alice.send_line("MODE #lobby +m"); // the first member is the channel operator
  alice.expect_line(M("alice") + " MODE #lobby +m");
  bob.expect_line(M("alice") + " MODE #lobby +m");
  bob.send_line("MODE #lobby");
  bob.expect_line(S("324 bob #lobby +mnt"));
  alice.send_line("MODE alice");
  alice.expect_line(S("221 alice +"));
  alice.send_line("MODE alice +i");
  alice.expect_line(":alice MODE alice :+i");
  alice.send_line("MODE alice");
  alice.expect_line(S("221 alice +i"));
  alice.send_line("MODE #9");
  alice.expect_line(S("403 alice #9 :No such channel"));
  sync(bob);
}

TEST_CASE("MODE #chan b (the ban-list query irssi sends on JOIN) ends with 368",
          "[irc]") {
  // Bug (interop): actors/irc_session.cpp cmd_mode treats any MODE with a second parameter as a
  // change and answers 482 "Channel modes cannot be changed"; a list query such as "MODE #chan
  // b" should get the (empty) list: 368 RPL_ENDOFBANLIST. irssi 1.4.3 shows "#lobby Channel modes
  // cannot be changed" after every JOIN because of it.
  live_server srv;
  irc_user alice{srv, "alice"};
  create(alice, "alice", "#lobby");
  alice.send_line("MODE #lobby b");
  alice.expect_line(S("368 alice #lobby :End of channel ban list"), 2000ms);
}

TEST_CASE("MODE errors: 472 unknown mode, 461 missing argument, 482 non-op, 442 outsider",
          "[irc]") {
  live_server srv;
  irc_user alice{srv, "alice"}, bob{srv, "bob"}, carol{srv, "carol"};
  create(alice, "alice", "#c");
  join_seen(bob, "bob", "#c", "@alice bob", {&alice});
  alice.send_line("MODE #c +x");
  alice.expect_line(S("472 alice x :is unknown mode char to me"));
  alice.send_line("MODE #c +l");
  alice.expect_line(S("461 alice MODE :Not enough parameters"));
  alice.send_line("MODE #c +k");
  alice.expect_line(S("461 alice MODE :Not enough parameters"));
  alice.send_line("MODE #c +xm"); // the known change is still made (and shown first)
  alice.expect_line(M("alice") + " MODE #c +m");
  alice.expect_line(S("472 alice x :is unknown mode char to me"));
  bob.expect_line(M("alice") + " MODE #c +m");
  bob.send_line("MODE #c -mt"); // one 482 for the line
  bob.expect_line(S("482 bob #c :You're not channel operator"));
  sync(bob);
  carol.send_line("MODE #c +i");
  carol.expect_line(S("442 carol #c :You're not on that channel"));
  alice.send_line("MODE #c");
  alice.expect_line(S("324 alice #c +mnt"));
}

// --- The modes ---

TEST_CASE("mode n: outsiders get 404 under +n (the default) and are heard under -n", "[irc]") {
  live_server srv;
  irc_user alice{srv, "alice"}, bob{srv, "bob"};
  create(alice, "alice", "#c");
  bob.send_line("PRIVMSG #c :from outside");
  bob.expect_line(S("404 bob #c :Cannot send to channel"));
  change_seen(alice, "alice", "MODE #c -n", {});
  alice.send_line("MODE #c");
  alice.expect_line(S("324 alice #c +t"));
  bob.send_line("PRIVMSG #c :from outside");
  alice.expect_line(M("bob") + " PRIVMSG #c :from outside");
  sync(bob, "no-error"); // and no echo without echo-message
  change_seen(alice, "alice", "MODE #c +n", {});
  bob.send_line("PRIVMSG #c :refused again");
  bob.expect_line(S("404 bob #c :Cannot send to channel"));
  sync(alice, "nothing-more");
}

TEST_CASE("mode n: a NOTICE from outside reaches a -n channel", "[irc]") {
  // NOTICE is PRIVMSG without automatic replies (RFC 2812 3.3.2), so under -n an outsider's
  // NOTICE must be delivered like its PRIVMSG.
  live_server srv;
  irc_user alice{srv, "alice"}, bob{srv, "bob"};
  create(alice, "alice", "#c");
  change_seen(alice, "alice", "MODE #c -n", {});
  bob.send_line("NOTICE #c :notice from outside");
  bob.send_line("PRIVMSG #c :privmsg from outside");
  alice.expect_line(M("bob") + " NOTICE #c :notice from outside", 2000ms);
  alice.expect_line(M("bob") + " PRIVMSG #c :privmsg from outside", 2000ms);
}

TEST_CASE("mode t: only ops set the topic under +t (482), any member under -t", "[irc]") {
  live_server srv;
  irc_user alice{srv, "alice"}, bob{srv, "bob"}, carol{srv, "carol"};
  create(alice, "alice", "#c");
  join_seen(bob, "bob", "#c", "@alice bob", {&alice});
  bob.send_line("TOPIC #c :bob's topic");
  bob.expect_line(S("482 bob #c :You're not channel operator"));
  change_seen(alice, "alice", "MODE #c -t", {&bob});
  auto before = unix_now();
  bob.send_line("TOPIC #c :bob's topic");
  bob.expect_line(M("bob") + " TOPIC #c :bob's topic"); // the setter sees it too
  alice.expect_line(M("bob") + " TOPIC #c :bob's topic");
  auto after = unix_now();
  alice.send_line("TOPIC #c");
  alice.expect_line(S("332 alice #c :bob's topic"));
  expect_topic_whotime(alice, "alice", "#c", "bob", before, after);
  // A JOIN shows the topic instead of 331.
  join_with_topic(carol, "carol", "#c", "bob's topic", "bob", before, after, "@alice bob carol");
  alice.expect_line(M("carol") + " JOIN #c");
  bob.expect_line(M("carol") + " JOIN #c");
  // An empty TOPIC clears it.
  change_seen(alice, "alice", "TOPIC #c :", {&bob, &carol});
  carol.send_line("TOPIC #c");
  carol.expect_line(S("331 carol #c :No topic is set"));
  // Off the channel: setting is 442, reading works unless the channel is secret; a secret
  // channel, one that does not exist, or a name that is no channel: 403 (all alike).
  carol.send_line("PART #c");
  for (auto* c : {&alice, &bob, &carol})
    c->expect_line(M("carol") + " PART #c");
  carol.send_line("TOPIC #c :from outside");
  carol.expect_line(S("442 carol #c :You're not on that channel"));
  change_seen(alice, "alice", "TOPIC #c :for all to read", {&bob});
  carol.send_line("TOPIC #c");
  carol.expect_line(S("332 carol #c :for all to read"));
  carol.read_line(); // 333: who set it and when (checked elsewhere)
  change_seen(alice, "alice", "MODE #c +s", {&bob});
  carol.send_line("TOPIC #c");
  carol.expect_line(S("403 carol #c :No such channel"));
  carol.send_line("TOPIC #nowhere");
  carol.expect_line(S("403 carol #nowhere :No such channel"));
  carol.send_line("TOPIC c");
  carol.expect_line(S("403 carol c :No such channel"));
  sync(alice);
}

TEST_CASE("mode k: 475 without or with a wrong key, the key lets in, 467, -k", "[irc]") {
  live_server srv;
  irc_user alice{srv, "alice"}, bob{srv, "bob"}, carol{srv, "carol"};
  create(alice, "alice", "#c");
  alice.send_line("MODE #c +k");
  alice.expect_line(S("461 alice MODE :Not enough parameters"));
  change_seen(alice, "alice", "MODE #c +k sesame", {});
  bob.send_line("JOIN #c");
  bob.expect_line(S("475 bob #c :Cannot join channel (+k)"));
  bob.send_line("JOIN #c wrong");
  bob.expect_line(S("475 bob #c :Cannot join channel (+k)"));
  bob.send_line("JOIN #c sesame");
  expect_join(bob, "bob", "#c", "@alice bob");
  alice.expect_line(M("bob") + " JOIN #c");
  // Several channels with keys in order.
  carol.send_line("JOIN #d,#c nokey,sesame");
  expect_join(carol, "carol", "#d", "@carol");
  expect_join(carol, "carol", "#c", "@alice bob carol");
  alice.expect_line(M("carol") + " JOIN #c");
  bob.expect_line(M("carol") + " JOIN #c");
  // The key is shown to members only.
  bob.send_line("MODE #c");
  bob.expect_line(S("324 bob #c +knt sesame"));
  alice.send_line("MODE #c +k other");
  alice.expect_line(S("467 alice #c :Channel key already set"));
  change_seen(alice, "alice", "MODE #c -k *", {&bob, &carol});
  alice.send_line("MODE #c");
  alice.expect_line(S("324 alice #c +nt"));
  sync(bob);
  sync(carol);
}

TEST_CASE("mode k: a non-member's 324 hides the key", "[irc]") {
  live_server srv;
  irc_user alice{srv, "alice"}, bob{srv, "bob"};
  create(alice, "alice", "#c");
  change_seen(alice, "alice", "MODE #c +kl sesame 10", {});
  alice.send_line("MODE #c");
  alice.expect_line(S("324 alice #c +klnt sesame 10"));
  bob.send_line("MODE #c");
  bob.expect_line(S("324 bob #c +klnt * 10"));
  bob.send_line("MODE #nothere");
  bob.expect_line(S("403 bob #nothere :No such channel"));
}

TEST_CASE("mode l: 471 when full, 461 without a limit, -l lifts it", "[irc]") {
  live_server srv;
  irc_user alice{srv, "alice"}, bob{srv, "bob"}, carol{srv, "carol"};
  create(alice, "alice", "#c");
  alice.send_line("MODE #c +l");
  alice.expect_line(S("461 alice MODE :Not enough parameters"));
  change_seen(alice, "alice", "MODE #c +l 2", {});
  join_seen(bob, "bob", "#c", "@alice bob", {&alice});
  carol.send_line("JOIN #c");
  carol.expect_line(S("471 carol #c :Cannot join channel (+l)"));
  bob.send_line("MODE #c");
  bob.expect_line(S("324 bob #c +lnt 2"));
  change_seen(alice, "alice", "MODE #c -l", {&bob});
  join_seen(carol, "carol", "#c", "@alice bob carol", {&alice, &bob});
}

TEST_CASE("mode i: 473, then INVITE (341, the INVITE line) lets the user in once", "[irc]") {
  live_server srv;
  irc_user alice{srv, "alice"}, bob{srv, "bob"};
  create(alice, "alice", "#c");
  change_seen(alice, "alice", "MODE #c +i", {});
  bob.send_line("JOIN #c");
  bob.expect_line(S("473 bob #c :Cannot join channel (+i)"));
  alice.send_line("INVITE bob #c");
  alice.expect_line(S("341 alice bob #c"));
  bob.expect_line(M("alice") + " INVITE bob #c");
  join_seen(bob, "bob", "#c", "@alice bob", {&alice});
  change_seen(bob, "bob", "PART #c", {&alice});
  bob.send_line("JOIN #c"); // the invitation was used up
  bob.expect_line(S("473 bob #c :Cannot join channel (+i)"));
  sync(alice);
}

TEST_CASE("mode m: unvoiced members get 404, +v lets them speak, ops always may", "[irc]") {
  live_server srv;
  irc_user alice{srv, "alice"}, bob{srv, "bob"};
  create(alice, "alice", "#c");
  join_seen(bob, "bob", "#c", "@alice bob", {&alice});
  change_seen(alice, "alice", "MODE #c +m", {&bob});
  bob.send_line("PRIVMSG #c :may I?");
  bob.expect_line(S("404 bob #c :Cannot send to channel"));
  alice.send_line("PRIVMSG #c :ops may");
  bob.expect_line(M("alice") + " PRIVMSG #c :ops may");
  change_seen(alice, "alice", "MODE #c +v bob", {&bob});
  bob.send_line("PRIVMSG #c :now I may");
  alice.expect_line(M("bob") + " PRIVMSG #c :now I may");
  names(alice, "alice", "#c", "@alice +bob");
  change_seen(alice, "alice", "MODE #c -v bob", {&bob});
  bob.send_line("PRIVMSG #c :and again?");
  bob.expect_line(S("404 bob #c :Cannot send to channel"));
  sync(alice, "nothing-from-bob");
}

TEST_CASE("mode s: LIST hides a secret channel from non-members", "[irc]") {
  live_server srv;
  irc_user alice{srv, "alice"}, bob{srv, "bob"};
  create(alice, "alice", "#hidden");
  create(alice, "alice", "#open");
  change_seen(alice, "alice", "MODE #hidden +s", {});
  list(bob, "bob", {{"#open", 1, ""}});
  list(alice, "alice", {{"#hidden", 1, ""}, {"#open", 1, ""}});
  change_seen(alice, "alice", "MODE #hidden -s", {});
  list(bob, "bob", {{"#hidden", 1, ""}, {"#open", 1, ""}});
}

TEST_CASE("mode s: WHOIS shows a secret channel only to its members and server operators, "
          "with 313 and 330", "[irc]") {
  live_server srv{with_operator()};
  srv.add_account("root", pw);
  srv.add_account("bob", pw);
  irc_user alice{srv, "alice"};
  irc_user bob{srv, "bob", with_pass{}}; // logged in to account bob
  irc_user carol{srv, "carol"}, eve{srv, "eve"};
  become_operator(eve, "eve");
  create(bob, "bob", "#hideout");
  change_seen(bob, "bob", "MODE #hideout +s", {});
  create(bob, "bob", "#open");
  carol.send_line("JOIN #hideout");
  carol.expect_line(M("carol") + " JOIN #hideout");
  carol.expect_line(S("331 carol #hideout :No topic is set"));
  carol.expect_line(S("353 carol @ #hideout :@bob carol"));
  carol.expect_line(S("366 carol #hideout :End of /NAMES list"));
  bob.expect_line(M("carol") + " JOIN #hideout");

  auto whois_bob = [](tcp_client& c, const std::string& me, const std::string& channels) {
    c.send_line("WHOIS bob");
    c.expect_line(S("311 " + me + " bob bob parley * :Real Name"));
    c.expect_line(S("319 " + me + " bob " + T(channels)));
    c.expect_line(S("312 " + me + " bob parley.local Parley"));
    c.expect_line(S("330 " + me + " bob bob :is logged in as"));
    expect_whois_idle(c, me, "bob", 60);
    c.expect_line(S("318 " + me + " bob :End of /WHOIS list"));
  };
  whois_bob(alice, "alice", "#open");          // outside #hideout
  whois_bob(carol, "carol", "#hideout #open"); // a member of it
  whois_bob(eve, "eve", "#hideout #open");     // a server operator
  whois_bob(bob, "bob", "#hideout #open");     // bob himself

  alice.send_line("WHOIS eve");
  alice.expect_line(S("311 alice eve eve parley * :Real Name"));
  alice.expect_line(S("312 alice eve parley.local Parley"));
  alice.expect_line(S("313 alice eve :is an IRC operator"));
  expect_whois_idle(alice, "alice", "eve", 60);
  alice.expect_line(S("318 alice eve :End of /WHOIS list"));
}

TEST_CASE("modes o and v: grants and removals, 441 for non-members", "[irc]") {
  live_server srv;
  irc_user alice{srv, "alice"}, bob{srv, "bob"}, carol{srv, "carol"};
  create(alice, "alice", "#c");
  join_seen(bob, "bob", "#c", "@alice bob", {&alice});
  alice.send_line("MODE #c +o carol");
  alice.expect_line(S("441 alice carol #c :They aren't on that channel"));
  alice.send_line("MODE #c +v nobody");
  alice.expect_line(S("441 alice nobody #c :They aren't on that channel"));
  alice.send_line("MODE #c +o Bob");
  alice.expect_line(M("alice") + " MODE #c +o bob");
  bob.expect_line(M("alice") + " MODE #c +o bob");
  names(bob, "bob", "#c", "@alice @bob");
  // bob runs the channel now too.
  change_seen(bob, "bob", "MODE #c +m", {&alice});
  change_seen(bob, "bob", "MODE #c -o alice", {&alice});
  alice.send_line("MODE #c -m");
  alice.expect_line(S("482 alice #c :You're not channel operator"));
  // Several changes in one line, and the same change twice shows once.
  change_seen(bob, "bob", "MODE #c +ov alice alice", {&alice});
  bob.send_line("MODE #c +o alice");
  sync(bob, "no-change-no-line");
  carol.send_line("NAMES #c"); // not a member, but #c is not secret: listed
  carol.expect_line(S("353 carol = #c :@alice @bob"));
  carol.expect_line(S("366 carol #c :End of /NAMES list"));
}

TEST_CASE("mode b: 474 on JOIN, 404 for a banned member, 367/368 listing, -b", "[irc]") {
  live_server srv;
  irc_user alice{srv, "alice"}, bob{srv, "bob"}, carol{srv, "carol"};
  create(alice, "alice", "#c");
  join_seen(carol, "carol", "#c", "@alice carol", {&alice});
  alice.send_line("MODE #c +b Bob"); // a nick alone is nick!*@*
  alice.expect_line(M("alice") + " MODE #c +b bob!*@*");
  carol.expect_line(M("alice") + " MODE #c +b bob!*@*");
  bob.send_line("JOIN #c");
  bob.expect_line(S("474 bob #c :Cannot join channel (+b)"));
  change_seen(alice, "alice", "MODE #c +b *!carol@*", {&carol});
  carol.send_line("PRIVMSG #c :am I banned?");
  carol.expect_line(S("404 carol #c :Cannot send to channel"));
  carol.send_line("MODE #c b"); // anyone may list the bans
  carol.expect_line(S("367 carol #c bob!*@*"));
  carol.expect_line(S("367 carol #c *!carol@*"));
  carol.expect_line(S("368 carol #c :End of channel ban list"));
  change_seen(alice, "alice", "MODE #c -b bob!*@*", {&carol});
  alice.send_line("MODE #c b");
  alice.expect_line(S("367 alice #c *!carol@*"));
  alice.expect_line(S("368 alice #c :End of channel ban list"));
  join_seen(bob, "bob", "#c", "@alice bob carol", {&alice, &carol});
  carol.send_line("MODE #c +b dave"); // not an op
  carol.expect_line(S("482 carol #c :You're not channel operator"));
  sync(alice, "no-ban-change");
}
