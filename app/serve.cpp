// `parley serve`: the live server. Starts the actor system with the TCP transport, listens, and
// waits for SIGINT or SIGTERM; then every client gets a notice, sockets close and it exits 0.
#include <sched.h>

#include <algorithm>
#include <csignal>
#include <malloc.h>
#include <filesystem>
#include <thread>

#include <spdlog/spdlog.h>

#include "caf/all.hpp"
#include "caf/io/all.hpp"

#include "app/commands.hpp"
#include "net/tcp_transport.hpp"
#include "trace/tracer.hpp"

namespace parley::app {

namespace {

// Blocks the shutdown signals in this thread and every thread started after it, so that only
// sigwait() below sees them.
sigset_t block_shutdown_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  return set;
}

bool prepare_data_dir(const common_options& common) {
  std::error_code ec;
  std::filesystem::create_directories(common.data_dir, ec);
  if (ec) {
    spdlog::error("cannot create data directory {}: {}", common.data_dir, ec.message());
    return false;
  }
  try {
    store::open_sqlite_user_store(user_store_path(common)); // fail now, not at first login
  } catch (const std::exception& e) {
    spdlog::error("{}", e.what());
    return false;
  }
  return true;
}

// Tells one listener's clients and waits for them; past the deadline the listener is ended.
void shut_listener(caf::scoped_actor& self, const listener_actor& listener,
                   std::chrono::milliseconds timeout) {
  if (!listener)
    return;
  self->request(listener, timeout, shutdown_server{"the operator stopped the server"})
    .receive([](shutdown_server_result& r) {
               spdlog::info("closed {} connections", r.connections_closed);
             },
             [&](caf::error& e) {
               spdlog::warn("shutdown incomplete: {}", caf::to_string(e));
               self->send_exit(listener, caf::exit_reason::kill);
             });
}

void graceful_shutdown(caf::actor_system& sys, const server_handles& h, const serve_options& o) {
  caf::scoped_actor self{sys};
  // The listener ends stragglers at its own deadline; this one only guards against a stuck listener.
  auto timeout = std::chrono::milliseconds{o.shutdown_timeout_ms + 2000};
  shut_listener(self, h.listener, timeout);
  shut_listener(self, h.irc_listener, timeout);
  self->request(h.transport, timeout, net::stop_transport{})
    .receive([](net::stop_transport_result&) {}, [](caf::error&) {});
  stop_server_actors(sys, h);
}

// Opens `endpoints` for `listener`; false (after logging why) if any cannot be opened.
bool open_listener(caf::actor_system& sys, const net::transport_actor& transport,
                   const std::vector<std::string>& endpoints, const listener_actor& listener,
                   const char* what) {
  bool ok = false;
  caf::scoped_actor self{sys};
  self->request(transport, std::chrono::seconds{10},
                net::listen_on{endpoints, caf::actor_cast<net::acceptor_actor>(listener)})
    .receive(
      [&](net::listen_on_result& r) {
        ok = true;
        for (const auto& ep : r.bound)
          spdlog::info("listening on {} ({})", ep, what);
      },
      [&](caf::error& e) { spdlog::error("{}", caf::to_string(e)); });
  return ok;
}

// Waits for SIGINT or SIGTERM. Meanwhile, every few seconds, hands memory that the allocator
// keeps after a burst (a JOIN storm into a big channel queues one notice per member) back to
// the system: measured, 2000 clients in one channel held 125 MB of RSS before and 45 MB after
// a trim. The trim runs on this otherwise idle thread, never on the message path.
int wait_for_shutdown_signal(const sigset_t& signals) {
  const timespec every{5, 0};
  for (;;) {
    int sig = sigtimedwait(&signals, nullptr, &every);
    if (sig == SIGINT || sig == SIGTERM)
      return sig;
    malloc_trim(0);
    auto heap = mallinfo2(); // for memory work: what is in use, and what the allocator keeps
    spdlog::debug("heap: {} KiB in use, {} KiB free in the allocator, {} KiB mapped",
                  heap.uordblks / 1024, heap.fordblks / 1024, heap.hblkhd / 1024);
  }
}

// Measured (docs/performance.md, sixth sitting): on 2 cores, one worker beside the middleman's
// thread delivered 13-30% more at full fan-out than two, with a lower p99: with two, the three
// threads took turns on two cores and every hand-over between the middleman and a worker was a
// context switch.
std::size_t scheduler_threads(std::size_t asked) {
  if (asked != 0)
    return asked;
  // The cores this process may run on (taskset, a container's cpuset), not the machine's.
  std::size_t cores = std::thread::hardware_concurrency();
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof set, &set) == 0)
    cores = static_cast<std::size_t>(CPU_COUNT(&set));
  return std::clamp<std::size_t>(cores > 2 ? cores - 1 : 1, 1, 64);
}

} // namespace

int run_serve(const common_options& common, const serve_options& opts) {
  if (!prepare_data_dir(common))
    return 1;
  auto signals = block_shutdown_signals();
  caf::actor_system_config cfg;
  cfg.load<caf::io::middleman>();
  cfg.set("scheduler.max-threads", scheduler_threads(opts.threads));
  // Measured (docs/performance.md): with work stealing, idle workers poll and then sleep up to
  // 10 ms before they see new work, which showed as latency at low load and as CPU spent
  // polling; the sharing policy wakes a worker at once. On 2 cores there is little to steal.
  cfg.set("scheduler.policy", caf::atom_from_string(opts.scheduler));
  std::unique_ptr<trace::tracer> tracer;
  if (!opts.trace.empty()) {
    auto start = std::chrono::steady_clock::now();
    try {
      tracer = std::make_unique<trace::tracer>(
        opts.trace,
        [start] {
          return std::chrono::duration_cast<std::chrono::nanoseconds>(
                   std::chrono::steady_clock::now() - start)
            .count();
        },
        R"({"clock":"monotonic","source":"live"})");
    } catch (const std::exception& e) {
      spdlog::error("{}", e.what());
      return 1;
    }
  }
  caf::actor_system sys{cfg};
  auto transport = net::spawn_tcp_transport(sys, net::tcp_transport_config{4096, tracer.get()});
  auto server_cfg = make_server_config(common, opts);
  server_cfg.tracer = tracer.get();
  auto handles = spawn_server(sys, transport, std::move(server_cfg));
  bool listening = open_listener(sys, transport, opts.listen, handles.listener, "line protocol");
  if (listening && handles.irc_listener)
    listening = open_listener(sys, transport, opts.irc_listen, handles.irc_listener, "IRC");
  if (!listening) {
    caf::anon_send_exit(handles.listener, caf::exit_reason::user_shutdown);
    if (handles.irc_listener)
      caf::anon_send_exit(handles.irc_listener, caf::exit_reason::user_shutdown);
    caf::anon_send(transport, net::stop_transport{});
    stop_server_actors(sys, handles);
    return 1;
  }
  int sig = wait_for_shutdown_signal(signals);
  spdlog::info("received {}, shutting down", sig == SIGINT ? "SIGINT" : "SIGTERM");
  graceful_shutdown(sys, handles, opts);
  spdlog::info("stopped");
  return 0;
}

} // namespace parley::app
