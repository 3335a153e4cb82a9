// epoll_bound: the "epoll bound" reference of issue #6. A trivial single-threaded epoll
// broadcast server that speaks just enough IRC for bench/loadgen: 001 after NICK and USER,
// JOIN answered with the JOIN echo and 366 (no NAMES list, no JOIN notice to others), every
// PRIVMSG to a channel copied as ":nick!u@h PRIVMSG #chan :text" to every other member, PING
// answered with PONG. No flood control, no limits except an output bound per client (64 MiB;
// a client over it is dropped). It shows how fast one core can fan lines out over loopback.
//
// usage: epoll_bound [--listen HOST:PORT]   (default 127.0.0.1:0)
// Prints "listening on HOST:PORT" on stderr once it accepts. SIGINT/SIGTERM: exits 0.

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <unordered_map>
#include <vector>

namespace {

volatile sig_atomic_t stop = 0;
void on_signal(int) { stop = 1; }

struct conn {
  int fd = -1;
  std::string nick;
  bool user = false;
  bool registered = false;
  std::string in;
  std::string out;
  size_t out_off = 0;
  bool epollout = false;
  std::vector<std::string> channels;
};

int ep = -1;
std::vector<conn> conns; // indexed by fd
std::unordered_map<std::string, std::vector<int>> channels; // name -> member fds
constexpr size_t max_out = size_t(64) << 20;

void drop(int fd);

void set_out_interest(conn& c, bool want) {
  if (c.epollout == want) return;
  epoll_event ev{};
  ev.events = want ? uint32_t(EPOLLIN | EPOLLOUT) : uint32_t(EPOLLIN);
  ev.data.fd = c.fd;
  epoll_ctl(ep, EPOLL_CTL_MOD, c.fd, &ev);
  c.epollout = want;
}

void flush(conn& c) {
  while (c.out_off < c.out.size()) {
    ssize_t w = ::send(c.fd, c.out.data() + c.out_off, c.out.size() - c.out_off, MSG_NOSIGNAL);
    if (w < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK) {
        set_out_interest(c, true);
        return;
      }
      drop(c.fd);
      return;
    }
    c.out_off += size_t(w);
  }
  c.out.clear();
  c.out_off = 0;
  set_out_interest(c, false);
}

// Appends to the output; the caller flushes (pending fds are flushed once per event batch).
std::vector<int> dirty;
void emit(conn& c, const char* p, size_t n) {
  if (c.fd < 0) return;
  if (c.out.size() - c.out_off + n > max_out) {
    drop(c.fd);
    return;
  }
  if (c.out.size() == c.out_off) dirty.push_back(c.fd);
  c.out.append(p, n);
}
void emit(conn& c, const std::string& s) { emit(c, s.data(), s.size()); }

void drop(int fd) {
  conn& c = conns[size_t(fd)];
  if (c.fd < 0) return;
  for (auto& ch : c.channels) {
    auto& m = channels[ch];
    for (size_t i = 0; i < m.size(); ++i)
      if (m[i] == fd) {
        m[i] = m.back();
        m.pop_back();
        break;
      }
  }
  epoll_ctl(ep, EPOLL_CTL_DEL, fd, nullptr);
  close(fd);
  c = conn{};
}

// The first word of s from position i, advancing i past it and the spaces after it.
std::string word(const std::string& s, size_t& i) {
  size_t j = s.find(' ', i);
  if (j == std::string::npos) j = s.size();
  std::string w = s.substr(i, j - i);
  i = j;
  while (i < s.size() && s[i] == ' ') ++i;
  return w;
}

void on_line(conn& c, std::string line) {
  if (!line.empty() && line.back() == '\r') line.pop_back();
  size_t i = 0;
  std::string cmd = word(line, i);
  for (auto& ch : cmd) ch = char(toupper(static_cast<unsigned char>(ch)));
  if (cmd == "PRIVMSG" || cmd == "NOTICE") {
    if (!c.registered) return;
    std::string target = word(line, i);
    auto it = channels.find(target);
    if (it == channels.end()) return;
    std::string text = i < line.size() && line[i] == ':' ? line.substr(i + 1) : line.substr(i);
    std::string msg = ":" + c.nick + "!u@h " + cmd + " " + target + " :" + text + "\r\n";
    for (int fd : it->second)
      if (fd != c.fd) emit(conns[size_t(fd)], msg);
  } else if (cmd == "NICK") {
    c.nick = word(line, i);
    if (!c.nick.empty() && c.nick[0] == ':') c.nick.erase(0, 1);
  } else if (cmd == "USER") {
    c.user = true;
  } else if (cmd == "JOIN") {
    if (!c.registered) return;
    std::string target = word(line, i);
    if (target.empty() || target[0] != '#') return;
    for (auto& ch : c.channels)
      if (ch == target) return;
    channels[target].push_back(c.fd);
    c.channels.push_back(target);
    emit(c, ":" + c.nick + "!u@h JOIN " + target + "\r\n:epoll.bound 366 " + c.nick + " " +
                target + " :End of /NAMES list.\r\n");
  } else if (cmd == "PING") {
    emit(c, ":epoll.bound PONG epoll.bound " + line.substr(i) + "\r\n");
  } else if (cmd == "QUIT") {
    flush(c);
    drop(c.fd);
    return;
  }
  if (!c.registered && !c.nick.empty() && c.user) {
    c.registered = true;
    emit(c, ":epoll.bound 001 " + c.nick + " :Welcome to the epoll bound\r\n");
  }
}

void on_readable(int fd) {
  static std::vector<char> buf(1 << 18);
  for (int rounds = 0; rounds < 8; ++rounds) {
    conn& c = conns[size_t(fd)];
    if (c.fd < 0) return;
    ssize_t r = ::recv(fd, buf.data(), buf.size(), 0);
    if (r < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK) return;
      drop(fd);
      return;
    }
    if (r == 0) {
      drop(fd);
      return;
    }
    const char* p = buf.data();
    const char* end = p + r;
    while (p < end) {
      const char* nl = static_cast<const char*>(std::memchr(p, '\n', size_t(end - p)));
      if (!nl) {
        c.in.append(p, size_t(end - p));
        if (c.in.size() > 65536) drop(fd);
        break;
      }
      std::string line;
      if (!c.in.empty()) {
        line.swap(c.in);
        line.append(p, size_t(nl - p));
      } else {
        line.assign(p, size_t(nl - p));
      }
      p = nl + 1;
      on_line(c, std::move(line));
      if (conns[size_t(fd)].fd < 0) return;
    }
    if (size_t(r) < buf.size()) return;
  }
}

} // namespace

int main(int argc, char** argv) {
  std::string listen_at = "127.0.0.1:0";
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--listen" && i + 1 < argc) {
      listen_at = argv[++i];
    } else {
      std::fprintf(stderr, "usage: %s [--listen HOST:PORT]\n", argv[0]);
      return 2;
    }
  }
  auto colon = listen_at.rfind(':');
  if (colon == std::string::npos) {
    std::fprintf(stderr, "epoll_bound: --listen wants HOST:PORT\n");
    return 2;
  }
  std::string host = listen_at.substr(0, colon);
  int port = std::atoi(listen_at.c_str() + colon + 1);
  std::signal(SIGPIPE, SIG_IGN);
  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
  rlimit rl{};
  if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
    rl.rlim_cur = rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
  }

  int lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  int one = 1;
  setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(uint16_t(port));
  if (inet_pton(AF_INET, host.c_str(), &sa.sin_addr) != 1) {
    std::fprintf(stderr, "epoll_bound: bad address %s\n", host.c_str());
    return 2;
  }
  if (bind(lfd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) < 0 || listen(lfd, 4096) < 0) {
    std::fprintf(stderr, "epoll_bound: cannot listen on %s: %s\n", listen_at.c_str(),
                 std::strerror(errno));
    return 1;
  }
  socklen_t len = sizeof sa;
  getsockname(lfd, reinterpret_cast<sockaddr*>(&sa), &len);
  std::fprintf(stderr, "listening on %s:%d\n", host.c_str(), ntohs(sa.sin_port));
  std::fflush(stderr);

  ep = epoll_create1(EPOLL_CLOEXEC);
  epoll_event lev{};
  lev.events = EPOLLIN;
  lev.data.fd = lfd;
  epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &lev);
  std::vector<epoll_event> evs(1024);
  while (!stop) {
    int n = epoll_wait(ep, evs.data(), int(evs.size()), 200);
    for (int i = 0; i < n; ++i) {
      int fd = evs[i].data.fd;
      if (fd == lfd) {
        for (;;) {
          int cfd = accept4(lfd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
          if (cfd < 0) break;
          setsockopt(cfd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
          if (conns.size() <= size_t(cfd)) conns.resize(size_t(cfd) + 1024);
          conns[size_t(cfd)] = conn{};
          conns[size_t(cfd)].fd = cfd;
          epoll_event ev{};
          ev.events = EPOLLIN;
          ev.data.fd = cfd;
          epoll_ctl(ep, EPOLL_CTL_ADD, cfd, &ev);
        }
        continue;
      }
      if (conns[size_t(fd)].fd < 0) continue;
      if (evs[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR)) on_readable(fd);
      if (conns[size_t(fd)].fd >= 0 && (evs[i].events & EPOLLOUT)) flush(conns[size_t(fd)]);
    }
    // Write what this batch produced.
    std::vector<int> d;
    d.swap(dirty);
    for (int fd : d)
      if (conns[size_t(fd)].fd >= 0 && !conns[size_t(fd)].epollout) flush(conns[size_t(fd)]);
  }
  for (auto& c : conns)
    if (c.fd >= 0) close(c.fd);
  close(lfd);
  return 0;
}
