// loadgen: Parley's own load generator for chat servers (issue #6).
//
// Single-threaded, epoll, non-blocking sockets, no CAF. Speaks just enough IRC (NICK/USER, 001,
// JOIN, 366, PING/PONG, PRIVMSG) or Parley's line protocol (name, password, "*** You are in
// lobby") to put C clients in a room and have S of them send chat lines. Every line carries
// "LG1 <sender> <seq> <send time, CLOCK_MONOTONIC ns>", so each receiver counts what it got and
// the one-way latency (same host, same clock). Loopback use only; everything is bounded in time.
//
// Modes: traffic (default), --connect-only (connection setup of C clients), --hold SECONDS (C
// idle clients; server RSS per connection). --server-pid PID reads the server's CPU time and
// RSS from /proc. --json prints one machine-readable result line on stdout.
//
// Exit status: 0 ok; 1 a client failed (refused, closed by the server, setup timed out) or,
// with --check, received != expected or a sequence error; 2 usage; 3 out of descriptors or
// source ports (EMFILE/ENFILE/EADDRNOTAVAIL).

#include <CLI/CLI.hpp>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cinttypes>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fstream>
#include <string>
#include <vector>

namespace {

int64_t now_ns() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return int64_t(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

double secs(int64_t ns) { return double(ns) / 1e9; }

// Log-linear histogram of microseconds: exact below 1024 us, then 512 sub-buckets per power of
// two (relative error below 0.2%).
class histogram {
public:
  histogram() : counts_(1024 + 40 * 512, 0) {}
  void add(int64_t us) {
    if (us < 0) us = 0;
    ++counts_[index(uint64_t(us))];
    ++total_;
    max_ = std::max(max_, us);
  }
  uint64_t total() const { return total_; }
  int64_t max() const { return max_; }
  // The value at quantile q (0..1), as the lower bound of its bucket, in microseconds.
  int64_t quantile(double q) const {
    if (total_ == 0) return 0;
    uint64_t rank = uint64_t(q * double(total_));
    if (rank >= total_) rank = total_ - 1;
    uint64_t seen = 0;
    for (size_t i = 0; i < counts_.size(); ++i) {
      seen += counts_[i];
      if (seen > rank) return std::min<int64_t>(value(i), max_);
    }
    return max_;
  }

private:
  static size_t index(uint64_t v) {
    if (v < 1024) return size_t(v);
    int shift = 63 - __builtin_clzll(v) - 9; // v >> shift in [512, 1024)
    size_t i = 1024 + size_t(shift - 1) * 512 + size_t((v >> shift) - 512);
    return std::min(i, size_t(1024 + 40 * 512 - 1));
  }
  static int64_t value(size_t i) {
    if (i < 1024) return int64_t(i);
    size_t shift = (i - 1024) / 512 + 1;
    return int64_t(((i - 1024) % 512 + 512) << shift);
  }
  std::vector<uint64_t> counts_;
  uint64_t total_ = 0;
  int64_t max_ = 0;
};

struct options {
  std::string proto = "irc";
  std::string host = "127.0.0.1";
  int port = 0;
  int clients = 5;
  int senders = 1;
  double rate = 0;   // per sender, messages per second; 0: as fast as the window allows
  int window = 64;   // per sender, messages sent but not yet seen by its observer
  int size = 100;    // bytes of chat text per message
  double duration = 10;
  long messages = 0; // per sender; 0: no limit (the duration decides)
  double drain = 10; // seconds to wait for in-flight messages after the send phase
  double settle = 0.3;
  double setup_timeout = 120;
  int parallel = 200; // connections being set up at once
  int channels = 1;
  std::string channel_prefix = "#bench";
  bool connect_only = false;
  double hold = -1;
  int server_pid = 0;
  bool json = false;
  bool check = false;
  bool quiet = false;
  bool verbose = false;
  std::string label;
  std::string nick_prefix = "lg";
};

enum class state { idle, connecting, registering, joining, joined, closed };

struct client {
  int fd = -1;
  int id = 0;
  int channel = 0;
  state st = state::idle;
  std::string carry; // a partial line from the last read
  std::string out;   // bytes not yet written
  size_t out_off = 0;
  bool epollout = false;
  int64_t t_start = 0;
  int64_t t_joined = 0;
  std::vector<uint32_t> next_seq; // per sender: the next sequence number expected
};

struct sender {
  int client = 0;
  int observer = -1; // the client whose receptions clear this sender's window
  uint64_t sent = 0;
  uint64_t observed = 0; // messages of this sender seen by the observer
  uint64_t expected_per_msg = 0;
  int64_t next_due = 0;
};

struct proc_sample {
  bool ok = false;
  double cpu = 0;   // utime + stime, seconds
  long rss_kb = 0;  // VmRSS
};

proc_sample sample_proc(int pid) {
  proc_sample s;
  if (pid <= 0) return s;
  std::ifstream st("/proc/" + std::to_string(pid) + "/stat");
  std::string all((std::istreambuf_iterator<char>(st)), std::istreambuf_iterator<char>());
  auto rp = all.rfind(')');
  if (rp == std::string::npos) return s;
  // Fields after the command: state(3) ... utime(14) stime(15); index 0 here is field 3.
  std::vector<std::string> f;
  size_t i = rp + 2;
  while (i < all.size()) {
    size_t j = all.find(' ', i);
    if (j == std::string::npos) j = all.size();
    f.push_back(all.substr(i, j - i));
    i = j + 1;
  }
  if (f.size() < 13) return s;
  double tck = double(sysconf(_SC_CLK_TCK));
  s.cpu = (std::stod(f[11]) + std::stod(f[12])) / tck;
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) s.rss_kb = std::atol(line.c_str() + 6);
  }
  s.ok = true;
  return s;
}

class loadgen {
public:
  explicit loadgen(const options& o) : o_(o) {}

  int run();

private:
  // Setup.
  bool open_client(client& c);
  void fail(client& c, const std::string& why);
  void on_connected(client& c);
  // I/O.
  void queue(client& c, const char* p, size_t n);
  void queue(client& c, const std::string& s) { queue(c, s.data(), s.size()); }
  void flush(client& c);
  void on_readable(client& c);
  void on_line(client& c, const char* p, size_t n);
  void on_payload(client& c, const char* p, size_t n);
  void poll(int timeout_ms);
  // Sending.
  void send_due(int64_t now);
  std::string nick(int id) const { return o_.nick_prefix + std::to_string(id); }
  std::string channel_name(int k) const {
    return o_.channels == 1 ? o_.channel_prefix : o_.channel_prefix + std::to_string(k);
  }

  options o_;
  int ep_ = -1;
  std::vector<client> cl_;
  std::vector<sender> snd_;
  std::vector<int> sender_of_client_; // client id -> sender index or -1
  std::vector<char> rbuf_ = std::vector<char>(1 << 18);
  histogram lat_;
  bool sending_phase_ = false;
  bool traffic_started_ = false;
  int joined_ = 0;
  int in_setup_ = 0;
  int failed_ = 0;
  int closed_after_join_ = 0;
  std::string first_error_;
  uint64_t received_ = 0;
  uint64_t seq_errors_ = 0; // duplicates or reordering per (receiver, sender)
  uint64_t gaps_ = 0;
  uint64_t pings_ = 0;
  uint64_t bytes_in_ = 0;
  int64_t last_rx_ = 0;
  int64_t last_byte_ = 0; // when the latest recv() returned data (lines take it as arrival)
  int fatal_ = 0;
  std::string payload_pad_;
};

void loadgen::fail(client& c, const std::string& why) {
  if (c.st == state::closed) return;
  if (c.st == state::joined) {
    ++closed_after_join_;
  } else {
    ++failed_;
    if (c.st != state::idle) --in_setup_;
  }
  if (first_error_.empty()) first_error_ = nick(c.id) + ": " + why;
  if (c.fd >= 0) close(c.fd);
  c.fd = -1;
  c.st = state::closed;
}

bool loadgen::open_client(client& c) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    int e = errno;
    if (e == EMFILE || e == ENFILE) {
      rlimit rl{};
      getrlimit(RLIMIT_NOFILE, &rl);
      std::fprintf(stderr,
                   "loadgen: out of file descriptors at client %d (%s; RLIMIT_NOFILE soft %llu "
                   "hard %llu): raise `ulimit -n` (needs about clients + 16)\n",
                   c.id, std::strerror(e), (unsigned long long)rl.rlim_cur,
                   (unsigned long long)rl.rlim_max);
      fatal_ = 3;
      return false;
    }
    fail(c, std::string("socket: ") + std::strerror(e));
    return true;
  }
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(uint16_t(o_.port));
  inet_pton(AF_INET, o_.host.c_str(), &sa.sin_addr);
  c.fd = fd;
  c.t_start = now_ns();
  c.st = state::connecting;
  ++in_setup_;
  int r = connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa);
  if (r < 0 && errno != EINPROGRESS) {
    int e = errno;
    if (e == EADDRNOTAVAIL) {
      std::fprintf(stderr,
                   "loadgen: out of local source ports at client %d (EADDRNOTAVAIL); see "
                   "/proc/sys/net/ipv4/ip_local_port_range\n",
                   c.id);
      fatal_ = 3;
      return false;
    }
    fail(c, std::string("connect: ") + std::strerror(e));
    return true;
  }
  epoll_event ev{};
  ev.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP;
  ev.data.u32 = uint32_t(c.id);
  c.epollout = true;
  epoll_ctl(ep_, EPOLL_CTL_ADD, fd, &ev);
  return true;
}

void loadgen::on_connected(client& c) {
  c.st = state::registering;
  std::string n = nick(c.id);
  if (o_.proto == "irc") {
    queue(c, "NICK " + n + "\r\nUSER " + n + " 0 * :loadgen\r\n");
  } else {
    queue(c, n + "\r\npassword-" + n + "\r\n");
  }
}

void loadgen::queue(client& c, const char* p, size_t n) {
  if (c.st == state::closed) return;
  if (c.out_off == c.out.size()) {
    c.out.clear();
    c.out_off = 0;
    // Try to write straight away: the common case leaves nothing queued.
    ssize_t w = ::send(c.fd, p, n, MSG_NOSIGNAL);
    if (w == ssize_t(n)) return;
    if (w < 0) {
      if (errno != EAGAIN && errno != EWOULDBLOCK) {
        fail(c, std::string("send: ") + std::strerror(errno));
        return;
      }
      w = 0;
    }
    c.out.append(p + w, n - size_t(w));
  } else {
    c.out.append(p, n);
  }
  if (!c.epollout) {
    epoll_event ev{};
    ev.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP;
    ev.data.u32 = uint32_t(c.id);
    epoll_ctl(ep_, EPOLL_CTL_MOD, c.fd, &ev);
    c.epollout = true;
  }
}

void loadgen::flush(client& c) {
  while (c.out_off < c.out.size()) {
    ssize_t w = ::send(c.fd, c.out.data() + c.out_off, c.out.size() - c.out_off, MSG_NOSIGNAL);
    if (w < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK) return;
      fail(c, std::string("send: ") + std::strerror(errno));
      return;
    }
    c.out_off += size_t(w);
  }
  c.out.clear();
  c.out_off = 0;
  if (c.epollout) {
    epoll_event ev{};
    ev.events = EPOLLIN | EPOLLRDHUP;
    ev.data.u32 = uint32_t(c.id);
    epoll_ctl(ep_, EPOLL_CTL_MOD, c.fd, &ev);
    c.epollout = false;
  }
}

void loadgen::on_readable(client& c) {
  for (int rounds = 0; rounds < 4 && c.st != state::closed; ++rounds) {
    ssize_t r = ::recv(c.fd, rbuf_.data(), rbuf_.size(), 0);
    if (r < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK) return;
      fail(c, std::string("recv: ") + std::strerror(errno));
      return;
    }
    if (r == 0) {
      fail(c, "closed by the server" + (c.carry.empty() ? "" : " after: " + c.carry.substr(0, 200)));
      return;
    }
    bytes_in_ += uint64_t(r);
    last_byte_ = now_ns();
    const char* p = rbuf_.data();
    const char* end = p + r;
    if (!c.carry.empty()) {
      const char* nl = static_cast<const char*>(std::memchr(p, '\n', size_t(end - p)));
      if (!nl) {
        c.carry.append(p, size_t(end - p));
        if (c.carry.size() > (1 << 20)) fail(c, "line longer than 1 MiB");
        continue;
      }
      c.carry.append(p, size_t(nl - p));
      std::string line;
      line.swap(c.carry);
      on_line(c, line.data(), line.size());
      p = nl + 1;
    }
    while (p < end && c.st != state::closed) {
      const char* nl = static_cast<const char*>(std::memchr(p, '\n', size_t(end - p)));
      if (!nl) {
        c.carry.assign(p, size_t(end - p));
        break;
      }
      on_line(c, p, size_t(nl - p));
      p = nl + 1;
    }
    if (size_t(r) < rbuf_.size()) return;
  }
}

// Where "LG1 " starts in a line, or null. A memchr for its first letter: glibc's memmem costs
// about three times as much for a four-byte needle, and at millions of lines a second this
// search was an eighth of the generator's time, CPU the server under test then lacks.
const char* find_marker(const char* p, size_t n) {
  const char* end = p + n;
  while (static_cast<size_t>(end - p) >= 4) {
    p = static_cast<const char*>(std::memchr(p, 'L', size_t(end - p) - 3));
    if (!p) return nullptr;
    if (std::memcmp(p, "LG1 ", 4) == 0) return p;
    ++p;
  }
  return nullptr;
}

bool starts_with(const char* p, size_t n, const char* lit) {
  size_t k = std::strlen(lit);
  return n >= k && std::memcmp(p, lit, k) == 0;
}

void loadgen::on_line(client& c, const char* p, size_t n) {
  if (n > 0 && p[n - 1] == '\r') --n;
  if (c.st == state::joined) {
    // The hot path: chat lines carry the marker.
    const char* m = find_marker(p, n);
    if (m) {
      on_payload(c, m + 4, n - size_t(m + 4 - p));
      return;
    }
  }
  if (o_.proto == "irc") {
    if (starts_with(p, n, "PING")) {
      std::string pong = "PONG" + std::string(p + 4, n - 4) + "\r\n";
      queue(c, pong);
      ++pings_;
      return;
    }
    if (starts_with(p, n, "ERROR")) {
      fail(c, std::string(p, n));
      return;
    }
    if (c.st == state::registering) {
      // ":server 001 nick ..." ; errors in 4xx during registration fail the client.
      const char* sp = static_cast<const char*>(std::memchr(p, ' ', n));
      if (sp && size_t(sp - p) + 4 <= n) {
        const char* code = sp + 1;
        if (std::memcmp(code, "001 ", 4) == 0) {
          c.st = state::joining;
          queue(c, "JOIN " + channel_name(c.channel) + "\r\n");
        } else if (code[0] == '4' && std::memcmp(code, "451", 3) != 0) {
          fail(c, "registration refused: " + std::string(p, n));
        }
      }
      return;
    }
    if (c.st == state::joining) {
      const char* sp = static_cast<const char*>(std::memchr(p, ' ', n));
      if (sp && size_t(sp - p) + 4 <= n) {
        const char* code = sp + 1;
        if (std::memcmp(code, "366 ", 4) == 0) {
          c.st = state::joined;
          c.t_joined = now_ns();
          ++joined_;
          --in_setup_;
        } else if (std::memcmp(code, "403 ", 4) == 0 || std::memcmp(code, "405 ", 4) == 0 ||
                   std::memcmp(code, "471 ", 4) == 0 || std::memcmp(code, "473 ", 4) == 0 ||
                   std::memcmp(code, "474 ", 4) == 0 || std::memcmp(code, "475 ", 4) == 0) {
          fail(c, "JOIN refused: " + std::string(p, n));
        }
      }
      return;
    }
    return;
  }
  // Line protocol.
  if (c.st == state::registering) {
    if (starts_with(p, n, "*** You are in lobby")) {
      c.st = state::joined;
      c.t_joined = now_ns();
      ++joined_;
      --in_setup_;
    } else if (starts_with(p, n, "ERROR")) {
      fail(c, "login refused: " + std::string(p, n));
    }
    return;
  }
  if (starts_with(p, n, "ERROR")) {
    fail(c, std::string(p, n));
  }
}

uint64_t parse_u64(const char*& p, const char* end) {
  uint64_t v = 0;
  while (p < end && *p >= '0' && *p <= '9') v = v * 10 + uint64_t(*p++ - '0');
  if (p < end && *p == ' ') ++p;
  return v;
}

void loadgen::on_payload(client& c, const char* p, size_t n) {
  const char* end = p + n;
  uint64_t s = parse_u64(p, end);
  uint64_t seq = parse_u64(p, end);
  uint64_t ts = parse_u64(p, end);
  if (s >= snd_.size()) return;
  if (int(s) == sender_of_client_[size_t(c.id)]) return; // an echo of our own message
  // Every line of one recv() arrived by the same moment: they share its clock reading (one
  // clock_gettime per line was a tenth of the generator's time).
  int64_t t = last_byte_;
  ++received_;
  last_rx_ = t;
  lat_.add((t - int64_t(ts)) / 1000);
  uint32_t& next = c.next_seq[s];
  if (seq == next) {
    ++next;
  } else if (seq > next) {
    gaps_ += seq - next;
    next = uint32_t(seq + 1);
  } else {
    ++seq_errors_;
  }
  sender& sd = snd_[s];
  if (sd.observer == c.id) sd.observed = std::max<uint64_t>(sd.observed, seq + 1);
}

void loadgen::poll(int timeout_ms) {
  epoll_event evs[512];
  int n = epoll_wait(ep_, evs, 512, timeout_ms);
  for (int i = 0; i < n; ++i) {
    client& c = cl_[evs[i].data.u32];
    if (c.st == state::closed) continue;
    uint32_t e = evs[i].events;
    if (c.st == state::connecting) {
      int err = 0;
      socklen_t len = sizeof err;
      getsockopt(c.fd, SOL_SOCKET, SO_ERROR, &err, &len);
      if (err != 0) {
        fail(c, std::string("connect: ") + std::strerror(err));
        continue;
      }
      if (!(e & (EPOLLOUT | EPOLLIN))) continue;
      on_connected(c);
    }
    if (e & EPOLLIN) on_readable(c);
    if (c.st == state::closed) continue;
    if ((e & EPOLLOUT) || c.epollout) flush(c);
    if (c.st == state::closed) continue;
    if (e & (EPOLLERR | EPOLLHUP)) fail(c, "connection error or hangup");
    else if ((e & EPOLLRDHUP) && !(e & EPOLLIN)) fail(c, "closed by the server");
  }
}

void loadgen::send_due(int64_t now) {
  char buf[64];
  for (size_t s = 0; s < snd_.size(); ++s) {
    sender& sd = snd_[s];
    client& c = cl_[size_t(sd.client)];
    if (c.st != state::joined) continue;
    int burst = 0;
    while (burst < 256) {
      if (o_.messages > 0 && sd.sent >= uint64_t(o_.messages)) break;
      if (sd.observer >= 0 && cl_[size_t(sd.observer)].st == state::joined &&
          sd.sent - sd.observed >= uint64_t(o_.window))
        break;
      if (o_.rate > 0 && now < sd.next_due) break;
      if (c.out.size() - c.out_off > (1 << 16)) break; // the socket is full; wait for EPOLLOUT
      int64_t ts = now_ns();
      int k = std::snprintf(buf, sizeof buf, "LG1 %zu %" PRIu64 " %" PRId64 " ", s, sd.sent, ts);
      std::string msg;
      msg.reserve(size_t(o_.size) + 64);
      if (o_.proto == "irc") msg += "PRIVMSG " + channel_name(c.channel) + " :";
      msg.append(buf, size_t(k));
      if (o_.size > k) msg.append(payload_pad_, 0, size_t(o_.size - k));
      msg += "\r\n";
      queue(c, msg);
      ++sd.sent;
      ++burst;
      if (o_.rate > 0) {
        sd.next_due += int64_t(1e9 / o_.rate);
        if (sd.next_due < now - 1000000000) sd.next_due = now; // do not make up for >1 s
      }
      if (c.st != state::joined) break;
    }
  }
}

int loadgen::run() {
  rlimit rl{};
  if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
    rl.rlim_cur = rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
  }
  ep_ = epoll_create1(EPOLL_CLOEXEC);
  cl_.resize(size_t(o_.clients));
  sender_of_client_.assign(size_t(o_.clients), -1);
  int nsenders = (o_.connect_only || o_.hold >= 0) ? 0 : o_.senders;
  snd_.resize(size_t(nsenders));
  for (int i = 0; i < o_.clients; ++i) {
    cl_[size_t(i)].id = i;
    cl_[size_t(i)].channel = i % o_.channels;
    cl_[size_t(i)].next_seq.assign(size_t(nsenders), 0);
  }
  for (int s = 0; s < nsenders; ++s) {
    sender& sd = snd_[size_t(s)];
    sd.client = s;
    sender_of_client_[size_t(s)] = s;
    int ch = s % o_.channels;
    uint64_t members = 0;
    for (int i = ch; i < o_.clients; i += o_.channels) {
      ++members;
      if (i != s) sd.observer = i; // the last other member of the channel
    }
    sd.expected_per_msg = members - 1;
  }
  payload_pad_.assign(size_t(std::max(o_.size, 0)), 'x');

  proc_sample before = sample_proc(o_.server_pid);

  // Connection setup: at most --parallel clients between connect() and joined at once.
  int64_t t0 = now_ns();
  int64_t setup_deadline = t0 + int64_t(o_.setup_timeout * 1e9);
  int next = 0;
  while (joined_ + failed_ < o_.clients) {
    while (next < o_.clients && in_setup_ < o_.parallel) {
      if (!open_client(cl_[size_t(next)])) break;
      ++next;
    }
    if (fatal_) break;
    if (failed_ > 0) break;
    if (now_ns() > setup_deadline) {
      if (first_error_.empty())
        first_error_ = "setup timed out: " + std::to_string(joined_) + " of " +
                       std::to_string(o_.clients) + " joined after " +
                       std::to_string(o_.setup_timeout) + " s";
      ++failed_;
      break;
    }
    poll(50);
  }
  int64_t t_all_joined = now_ns();
  double setup_s = secs(t_all_joined - t0);
  histogram setup_hist;
  for (auto& c : cl_)
    if (c.t_joined) setup_hist.add((c.t_joined - c.t_start) / 1000);

  // Let join notices and name lists drain before measuring.
  if (!fatal_ && failed_ == 0 && !o_.connect_only) {
    int64_t settle_end = now_ns() + int64_t(30e9);
    last_byte_ = now_ns();
    while (now_ns() < settle_end && now_ns() - last_byte_ < int64_t(o_.settle * 1e9)) poll(20);
  }
  proc_sample joined_sample = sample_proc(o_.server_pid);

  double send_s = 0, drain_s = 0, hold_s = 0;
  uint64_t sent = 0, expected = 0;
  proc_sample end_sample;
  int64_t t_send = 0;
  if (!fatal_ && failed_ == 0 && !o_.connect_only) {
    if (o_.hold >= 0) {
      int64_t h0 = now_ns();
      int64_t hend = h0 + int64_t(o_.hold * 1e9);
      while (now_ns() < hend && closed_after_join_ == 0) poll(100);
      hold_s = secs(now_ns() - h0);
    } else {
      t_send = now_ns();
      for (size_t s = 0; s < snd_.size(); ++s)
        snd_[s].next_due = t_send + int64_t(double(s) * 1e9 / std::max(o_.rate, 1.0) /
                                            double(snd_.size()));
      int64_t send_end = t_send + int64_t(o_.duration * 1e9);
      for (;;) {
        int64_t now = now_ns();
        if (now >= send_end) break;
        bool all_done = o_.messages > 0;
        for (auto& sd : snd_)
          if (o_.messages == 0 || sd.sent < uint64_t(o_.messages)) all_done = false;
        if (all_done) break;
        if (closed_after_join_ > 0) break;
        send_due(now);
        int timeout = 100;
        if (o_.rate > 0) {
          int64_t soonest = send_end;
          for (auto& sd : snd_) soonest = std::min(soonest, sd.next_due);
          timeout = int(std::max<int64_t>(0, (soonest - now_ns() + 999999) / 1000000));
          timeout = std::min(timeout, 100);
        }
        poll(timeout);
      }
      int64_t t_send_end = now_ns();
      send_s = secs(t_send_end - t_send);
      for (auto& sd : snd_) {
        sent += sd.sent;
        expected += sd.sent * sd.expected_per_msg;
      }
      // Drain: keep writing what is queued and reading until everything arrived or time is up.
      int64_t drain_end = t_send_end + int64_t(o_.drain * 1e9);
      while (received_ < expected && now_ns() < drain_end && closed_after_join_ == 0) poll(20);
      drain_s = secs(now_ns() - t_send_end);
    }
  }
  end_sample = sample_proc(o_.server_pid);

  // Report.
  double active_s = (last_rx_ > t_send && t_send > 0) ? secs(last_rx_ - t_send) : 0;
  double rate_rx = active_s > 0 ? double(received_) / active_s : 0;
  double cpu = (end_sample.ok && joined_sample.ok) ? end_sample.cpu - joined_sample.cpu : -1;
  double rss_per_conn_kb = (before.ok && joined_sample.ok && o_.clients > 0)
                               ? double(joined_sample.rss_kb - before.rss_kb) / o_.clients
                               : -1;
  int64_t loss = int64_t(expected) - int64_t(received_);
  const char* mode = o_.connect_only ? "connect" : (o_.hold >= 0 ? "hold" : "traffic");
  int rc = fatal_ ? fatal_ : ((failed_ || closed_after_join_) ? 1 : 0);
  if (o_.check && rc == 0 && mode == std::string("traffic") &&
      (received_ != expected || seq_errors_ || gaps_ || expected == 0))
    rc = 1;

  if (!o_.quiet) {
    std::fprintf(stderr, "loadgen %s %s %s:%d clients %d senders %d\n", mode, o_.proto.c_str(),
                 o_.host.c_str(), o_.port, o_.clients, nsenders);
    std::fprintf(stderr, "  setup: %d joined in %.3f s (per client p50 %.1f ms, p99 %.1f ms)\n",
                 joined_, setup_s, setup_hist.quantile(0.5) / 1e3, setup_hist.quantile(0.99) / 1e3);
    if (std::string(mode) == "traffic") {
      std::fprintf(stderr,
                   "  traffic: sent %" PRIu64 " in %.3f s, expected %" PRIu64 " received %" PRIu64
                   " loss %" PRId64 " (gaps %" PRIu64 ", dup/reorder %" PRIu64 "), drain %.3f s\n",
                   sent, send_s, expected, received_, loss, gaps_, seq_errors_, drain_s);
      std::fprintf(stderr, "  delivered %.0f msg/s; latency ms p50 %.3f p90 %.3f p99 %.3f max %.3f\n",
                   rate_rx, lat_.quantile(0.5) / 1e3, lat_.quantile(0.9) / 1e3,
                   lat_.quantile(0.99) / 1e3, lat_.max() / 1e3);
    }
    if (o_.verbose && std::string(mode) == "traffic") {
      for (size_t sidx = 0; sidx < snd_.size(); ++sidx) {
        const sender& sd = snd_[sidx];
        uint64_t lo = UINT64_MAX, hi = 0;
        for (auto& c : cl_) {
          if (c.id == sd.client || c.channel != cl_[size_t(sd.client)].channel) continue;
          lo = std::min<uint64_t>(lo, c.next_seq[sidx]);
          hi = std::max<uint64_t>(hi, c.next_seq[sidx]);
        }
        std::fprintf(stderr,
                     "  sender %zu: sent %" PRIu64 ", seen by observer %" PRIu64
                     ", receivers got between %" PRIu64 " and %" PRIu64 "\n",
                     sidx, sd.sent, sd.observed, lo == UINT64_MAX ? 0 : lo, hi);
      }
    }
    if (o_.server_pid > 0)
      std::fprintf(stderr,
                   "  server: cpu %.2f s in the measured phase, RSS before %ld KiB, after join "
                   "%ld KiB, end %ld KiB, per connection %.1f KiB\n",
                   cpu, before.rss_kb, joined_sample.rss_kb, end_sample.rss_kb, rss_per_conn_kb);
    if (failed_ || closed_after_join_ || fatal_)
      std::fprintf(stderr, "  FAILED: %d clients failed in setup, %d closed later; first: %s\n",
                   failed_, closed_after_join_, first_error_.c_str());
  }
  if (o_.json) {
    std::printf(
        "{\"label\":\"%s\",\"mode\":\"%s\",\"proto\":\"%s\",\"clients\":%d,\"senders\":%d,"
        "\"channels\":%d,\"rate\":%g,\"window\":%d,\"size\":%d,\"duration\":%g,"
        "\"joined\":%d,\"failed\":%d,\"closed\":%d,\"error\":\"%s\",\"setup_s\":%.6f,"
        "\"setup_p50_ms\":%.3f,\"setup_p99_ms\":%.3f,\"sent\":%" PRIu64 ",\"expected\":%" PRIu64
        ",\"received\":%" PRIu64 ",\"loss\":%" PRId64 ",\"gaps\":%" PRIu64
        ",\"dup_reorder\":%" PRIu64 ",\"send_s\":%.6f,\"drain_s\":%.6f,\"hold_s\":%.3f,"
        "\"delivered_per_s\":%.1f,\"lat_p50_ms\":%.3f,\"lat_p90_ms\":%.3f,\"lat_p99_ms\":%.3f,"
        "\"lat_max_ms\":%.3f,\"pings\":%" PRIu64 ",\"server_cpu_s\":%.3f,\"rss_before_kb\":%ld,"
        "\"rss_joined_kb\":%ld,\"rss_end_kb\":%ld,\"rss_per_conn_kb\":%.2f,\"rc\":%d}\n",
        o_.label.c_str(), mode, o_.proto.c_str(), o_.clients, nsenders, o_.channels, o_.rate,
        o_.window, o_.size, o_.duration, joined_, failed_, closed_after_join_,
        [&] {
          std::string e;
          for (char ch : first_error_.substr(0, 300))
            e += (ch == '"' || ch == '\\') ? ' ' : (static_cast<unsigned char>(ch) < 32 ? ' ' : ch);
          return e;
        }().c_str(),
        setup_s, setup_hist.quantile(0.5) / 1e3, setup_hist.quantile(0.99) / 1e3, sent, expected,
        received_, loss, gaps_, seq_errors_, send_s, drain_s, hold_s, rate_rx,
        lat_.quantile(0.5) / 1e3, lat_.quantile(0.9) / 1e3, lat_.quantile(0.99) / 1e3,
        lat_.max() / 1e3, pings_, cpu, before.rss_kb, joined_sample.rss_kb, end_sample.rss_kb,
        rss_per_conn_kb, rc);
    std::fflush(stdout);
  }
  for (auto& c : cl_)
    if (c.fd >= 0) close(c.fd);
  return rc;
}

} // namespace

int main(int argc, char** argv) {
  std::signal(SIGPIPE, SIG_IGN);
  options o;
  CLI::App app{"loadgen: chat load generator for IRC servers and Parley's line protocol"};
  app.add_option("--proto", o.proto, "irc or line")->check(CLI::IsMember({"irc", "line"}));
  app.add_option("--host", o.host, "server address (IPv4 loopback)");
  app.add_option("--port", o.port, "server port")->required();
  app.add_option("--clients", o.clients, "clients in the room(s)")->check(CLI::Range(1, 100000));
  app.add_option("--senders", o.senders, "clients that send (the first S)")
      ->check(CLI::Range(0, 100000));
  app.add_option("--rate", o.rate, "messages per second per sender; 0 = as fast as the window allows");
  app.add_option("--window", o.window, "messages in flight per sender (sent, not yet seen by its observer)")
      ->check(CLI::Range(1, 1 << 24));
  app.add_option("--size", o.size, "bytes of chat text per message")->check(CLI::Range(40, 4000));
  app.add_option("--duration", o.duration, "seconds of sending");
  app.add_option("--messages", o.messages, "messages per sender (0: until --duration)");
  app.add_option("--drain", o.drain, "seconds to wait for in-flight messages after sending");
  app.add_option("--settle", o.settle, "quiet seconds required after joining before measuring");
  app.add_option("--setup-timeout", o.setup_timeout, "seconds allowed for all clients to join");
  app.add_option("--parallel", o.parallel, "connections being set up at once")
      ->check(CLI::Range(1, 100000));
  app.add_option("--channels", o.channels, "channels (client i joins channel i mod N; irc only)")
      ->check(CLI::Range(1, 100000));
  app.add_option("--channel", o.channel_prefix, "channel name (prefix when --channels > 1)");
  app.add_option("--nick-prefix", o.nick_prefix, "nicks are PREFIX<index>");
  app.add_flag("--connect-only", o.connect_only, "only measure connection setup of C clients");
  app.add_option("--hold", o.hold, "connect, join and hold idle for SECONDS");
  app.add_option("--server-pid", o.server_pid, "read the server's CPU time and RSS from /proc");
  app.add_flag("--json", o.json, "print one JSON result line on stdout");
  app.add_flag("--check", o.check, "exit 1 unless received == expected with no sequence errors");
  app.add_flag("--quiet", o.quiet, "no human-readable report on stderr");
  app.add_flag("--verbose", o.verbose, "also report per sender: sent, seen by its observer, receptions");
  app.add_option("--label", o.label, "a label copied into the JSON line");
  CLI11_PARSE(app, argc, argv);
  if (o.proto == "line" && o.channels != 1) {
    std::fprintf(stderr, "loadgen: the line protocol uses room lobby only (--channels 1)\n");
    return 2;
  }
  if (o.senders > o.clients) o.senders = o.clients;
  loadgen g(o);
  return g.run();
}
