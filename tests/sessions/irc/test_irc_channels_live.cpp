// IRC conformance tests of the live server, part two: channel operators and modes (n t k l i m
// s o v b), TOPIC, KICK, INVITE, NICK changes, OPER and KILL, user modes, LUSERS, TIME, QUIT
// across shared channels, the IRCv3 capabilities server-time, account-tag, away-notify,
// multi-prefix and echo-message with tags, flood control, and line lengths with tags.
//
// Same rules as test_irc_live.cpp: exact lines, in order; synchronisation only by waiting (with
// a deadline) for the line that must come next; nothing sleeps. Where an event reaches a client
// through several rooms (NICK, QUIT, AWAY across shared channels), the tests ask each room
// something afterwards (NAMES, WHO), whose answer must come after anything that room sent.
#include <catch2/catch.hpp>

#include <chrono>
#include <cstdio>
#include <ctime>
#include <regex>
#include <string>
#include <utility>
#include <vector>

#include "tests/support/live_server.hpp"

using namespace std::chrono_literals;
using namespace parley::test::live;
using parley::test::tcp_client;

namespace {

using steady = std::chrono::steady_clock;

/// Splits "@a=b;c=d rest" into the tags ("a=b;c=d") and the rest; no tags: {"", line}.
std::pair<std::string, std::string> untag(const std::string& line) {
  if (line.empty() || line[0] != '@')
    return {"", line};
  auto space = line.find(' ');
  if (space == std::string::npos)
    return {line.substr(1), ""};
  return {line.substr(1, space - 1), line.substr(space + 1)};
}

/// The value of tag `key` in "a=b;c=d", if present.
std::optional<std::string> tag_value(const std::string& tags, const std::string& key) {
  std::size_t at = 0;
  while (at <= tags.size()) {
    auto end = tags.find(';', at);
    auto item = tags.substr(at, end == std::string::npos ? std::string::npos : end - at);
    auto eq = item.find('=');
    if (item.substr(0, eq) == key)
      return eq == std::string::npos ? std::string{} : item.substr(eq + 1);
    if (end == std::string::npos)
      break;
    at = end + 1;
  }
  return std::nullopt;
}

/// A server-time value "YYYY-MM-DDThh:mm:ss.sssZ", checked for its form and for being within
/// a few seconds of this machine's clock (the server shows wall-clock time).
void check_server_time(const std::string& value) {
  INFO("time tag: " << value);
  REQUIRE(std::regex_match(
    value, std::regex{"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{3}Z"}));
  std::tm tm{};
  int ms = 0;
  REQUIRE(std::sscanf(value.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d.%3dZ", &tm.tm_year, &tm.tm_mon,
                      &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &ms) == 7);
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  auto secs = static_cast<std::int64_t>(timegm(&tm));
  auto now = unix_now();
  CHECK(secs >= now - 10);
  CHECK(secs <= now + 1);
}

/// Reads a line that must be `rest` with a server-time tag (and only that tag).
void expect_timed(tcp_client& c, const std::string& rest) {
  auto line = c.read_line();
  INFO(c.label() << " got: " << line);
  auto [tags, body] = untag(line);
  CHECK(body == rest);
  REQUIRE(tags.find(';') == std::string::npos);
  auto time = tag_value(tags, "time");
  REQUIRE(time);
  check_server_time(*time);
}

/// `nick` (with server-time) creates `channel`: its own JOIN carries a time, the numerics none.
void create_timed(tcp_client& c, const std::string& nick, const std::string& channel) {
  c.send_line("JOIN " + channel);
  expect_timed(c, M(nick) + " JOIN " + channel);
  c.expect_line(S("331 " + nick + " " + channel + " :No topic is set"));
  c.expect_line(S("353 " + nick + " = " + channel + " @" + nick));
  c.expect_line(S("366 " + nick + " " + channel + " :End of /NAMES list"));
}

/// "PING p0" to "PING p<n-1>", in one string.
std::string pings(int n) {
  std::string burst;
  for (int i = 0; i < n; ++i)
    burst += "PING p" + std::to_string(i) + "\r\n";
  return burst;
}

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

/// A server with operator account "root" (password pw) in its irc_operators.
fixture_options with_operator() {
  fixture_options o;
  o.irc_operators = {"root"};
  return o;
}

void become_operator(tcp_client& c, const std::string& nick) {
  c.send_line("OPER root " + pw);
  c.expect_line(S("381 " + nick + " :You are now an IRC operator"));
  c.expect_line(":" + nick + " MODE " + nick + " :+o");
}

std::string ms_since(steady::time_point t0) {
  return std::to_string(
           std::chrono::duration_cast<std::chrono::milliseconds>(steady::now() - t0).count()) +
         " ms";
}

} // namespace

// --- Channel modes ---

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

TEST_CASE("INVITE errors: 401, 442, 443, 482 on +i by a non-op, and -i lets members invite",
          "[irc]") {
  live_server srv;
  irc_user alice{srv, "alice"}, bob{srv, "bob"}, carol{srv, "carol"}, dave{srv, "dave"};
  create(alice, "alice", "#c");
  join_seen(bob, "bob", "#c", "@alice bob", {&alice});
  alice.send_line("INVITE nobody #c");
  alice.expect_line(S("401 alice nobody :No such nick/channel"));
  alice.send_line("INVITE bob #c");
  alice.expect_line(S("443 alice bob #c :is already on channel"));
  carol.send_line("INVITE dave #c"); // carol is not on #c
  carol.expect_line(S("442 carol #c :You're not on that channel"));
  carol.send_line("INVITE dave #nowhere");
  carol.expect_line(S("403 carol #nowhere :No such channel"));
  change_seen(alice, "alice", "MODE #c +i", {&bob});
  bob.send_line("INVITE carol #c");
  bob.expect_line(S("482 bob #c :You're not channel operator"));
  change_seen(alice, "alice", "MODE #c -i", {&bob});
  bob.send_line("INVITE carol #c");
  bob.expect_line(S("341 bob carol #c"));
  carol.expect_line(M("bob") + " INVITE carol #c");
  sync(dave, "dave-got-no-invite");
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

TEST_CASE("NAMES and WHO of a channel you are not in list it unless it is secret, without its "
          "invisible (+i) members", "[irc]") {
  live_server srv{with_operator()};
  srv.add_account("root", pw);
  irc_user alice{srv, "alice"}, bob{srv, "bob"}, carol{srv, "carol"}, dave{srv, "dave"},
    eve{srv, "eve"};
  become_operator(eve, "eve");
  bob.send_line("MODE bob +i"); // invisible before the join
  bob.expect_line(":bob MODE bob :+i");
  create(alice, "alice", "#open");
  join_seen(bob, "bob", "#open", "@alice bob", {&alice});
  join_seen(dave, "dave", "#open", "@alice bob dave", {&alice, &bob});
  dave.send_line("MODE dave +i"); // and after it
  dave.expect_line(":dave MODE dave :+i");
  carol.send_line("NAMES #open"); // outside: no bob, no dave
  carol.expect_line(S("353 carol = #open @alice"));
  carol.expect_line(S("366 carol #open :End of /NAMES list"));
  who(carol, "carol", "#open", {{"alice", "H@"}});
  bob.send_line("NICK robert"); // the flag goes with the new nick
  for (auto* c : {&alice, &bob, &dave})
    c->expect_line(M("bob") + " NICK robert");
  names(carol, "carol", "#open", "@alice");
  eve.send_line("NAMES #open"); // a server operator sees everyone
  eve.expect_line(S("353 eve = #open :@alice dave robert"));
  eve.expect_line(S("366 eve #open :End of /NAMES list"));
  dave.send_line("MODE dave -i");
  dave.expect_line(":dave MODE dave :-i");
  names(carol, "carol", "#open", "@alice dave");
  names(alice, "alice", "#open", "@alice dave robert"); // members see everyone
  bob.send_line("PART #open");
  for (auto* c : {&alice, &bob, &dave})
    c->expect_line(M("robert") + " PART #open");
  dave.send_line("PART #open");
  for (auto* c : {&alice, &dave})
    c->expect_line(M("dave") + " PART #open");
  create(alice, "alice", "#hidden");
  change_seen(alice, "alice", "MODE #hidden +s", {});
  names(carol, "carol", "#open", "@alice");
  who(carol, "carol", "#open", {{"alice", "H@"}});
  carol.send_line("NAMES #hidden"); // secret: only the end line, as for no channel at all
  carol.expect_line(S("366 carol #hidden :End of /NAMES list"));
  carol.send_line("WHO #hidden");
  carol.expect_line(S("315 carol #hidden :End of WHO list"));
  carol.send_line("NAMES #nowhere");
  carol.expect_line(S("366 carol #nowhere :End of /NAMES list"));
  carol.send_line("WHO #nowhere");
  carol.expect_line(S("315 carol #nowhere :End of WHO list"));
  eve.send_line("NAMES #hidden"); // a server operator sees secret channels too
  eve.expect_line(S("353 eve @ #hidden @alice"));
  eve.expect_line(S("366 eve #hidden :End of /NAMES list"));
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

// --- KICK ---

TEST_CASE("KICK: everyone sees it, the target is out (404), 441, 482, 442", "[irc]") {
  live_server srv;
  irc_user alice{srv, "alice"}, bob{srv, "bob"}, carol{srv, "carol"}, dave{srv, "dave"};
  create(alice, "alice", "#c");
  join_seen(bob, "bob", "#c", "@alice bob", {&alice});
  join_seen(carol, "carol", "#c", "@alice bob carol", {&alice, &bob});
  alice.send_line("KICK #c Bob :behave yourself");
  for (auto* c : {&alice, &bob, &carol})
    c->expect_line(M("alice") + " KICK #c bob :behave yourself");
  bob.send_line("PRIVMSG #c :still here?");
  bob.expect_line(S("404 bob #c :Cannot send to channel"));
  names(alice, "alice", "#c", "@alice carol");
  // The kicked user is no member any more.
  bob.send_line("KICK #c carol");
  bob.expect_line(S("442 bob #c :You're not on that channel"));
  bob.send_line("PART #c");
  bob.expect_line(S("442 bob #c :You're not on that channel"));
  alice.send_line("KICK #c dave :not here");
  alice.expect_line(S("441 alice dave #c :They aren't on that channel"));
  carol.send_line("KICK #c alice :mutiny");
  carol.expect_line(S("482 carol #c :You're not channel operator"));
  // Without a reason the kicker's nick is the reason; the kicked user may come back.
  join_seen(bob, "bob", "#c", "@alice bob carol", {&alice, &carol});
  alice.send_line("KICK #c bob");
  for (auto* c : {&alice, &bob, &carol})
    c->expect_line(M("alice") + " KICK #c bob :alice");
  alice.send_line("KICK #nowhere bob");
  alice.expect_line(S("403 alice #nowhere :No such channel"));
  sync(dave, "dave-saw-nothing");
  sync(carol);
}

TEST_CASE("KICK of a line-protocol member from an IRC op", "[irc]") {
  live_server srv;
  irc_user alice{srv, "alice"};
  create(alice, "alice", "#lobby");
  line_user dave{srv, "dave"};
  alice.expect_line(M("dave") + " JOIN #lobby");
  change_seen(alice, "alice", "KICK #lobby dave :line users too", {});
  dave.expect_line("[lobby] *** dave was kicked by alice (line users too)");
  dave.expect_line("*** You are in no room now. /join ROOM to enter one.");
  names(alice, "alice", "#lobby", "@alice");
}

// --- NICK changes ---

TEST_CASE("NICK change: the user and each channel peer see it once, 433, 432", "[irc]") {
  live_server srv;
  srv.add_account("dave", pw);
  line_user carol{srv, "carol"}; // in #lobby, its op
  irc_user alice{srv, "alice"}, bob{srv, "bob"}, eve{srv, "eve"};
  create(alice, "alice", "#a");
  create(alice, "alice", "#b");
  join_seen(bob, "bob", "#a", "@alice bob", {&alice});
  join_seen(bob, "bob", "#b", "@alice bob", {&alice});
  join_seen(bob, "bob", "#lobby", "bob @carol", {});
  carol.expect_line("[lobby] *** bob joined");

  bob.send_line("NICK Robert");
  bob.expect_line(M("bob") + " NICK robert");
  sync(bob); // every room has the new nick now
  alice.expect_line(M("bob") + " NICK robert");
  names(alice, "alice", "#a", "@alice robert"); // no second NICK line from #a ...
  names(alice, "alice", "#b", "@alice robert"); // ... nor from #b
  carol.expect_line("[lobby] *** bob is now robert");
  sync(eve, "eve-shares-no-channel");

  // The new nick is the user's now, the old one is free.
  alice.send_line("PRIVMSG #a :hi robert");
  bob.expect_line(M("alice") + " PRIVMSG #a :hi robert");
  bob.send_line("PRIVMSG #b :robert here");
  alice.expect_line(":robert!robert@parley PRIVMSG #b :robert here");
  alice.send_line("WHOIS bob");
  alice.expect_line(S("401 alice bob :No such nick/channel"));
  alice.expect_line(S("318 alice bob :End of /WHOIS list"));
  tcp_client bob2{srv.irc_port(), "bob2"};
  irc_register(bob2, "bob");

  bob.send_line("NICK alice");
  bob.expect_line(S("433 robert alice :Nickname is already in use"));
  bob.send_line("NICK carol"); // a line-protocol user's (registered) name
  bob.expect_line(S("433 robert carol :Nickname is registered to an account: authenticate as it "
                    "first"));
  bob.send_line("NICK dave"); // another user's registered account
  bob.expect_line(S("433 robert dave :Nickname is registered to an account: authenticate as it "
                    "first"));
  bob.send_line("NICK 9lives");
  bob.expect_line(S("432 robert 9lives :Erroneus nickname"));
  bob.send_line("NICK :");
  bob.expect_line(S("431 robert :No nickname given"));
  sync(bob);
  sync(alice, "alice-saw-no-other-change");
}

TEST_CASE("NICK change of an authenticated user: away from the account nick and back", "[irc]") {
  live_server srv;
  srv.add_account("alice", pw);
  irc_user alice{srv, "alice", with_pass{}};
  change_seen(alice, "alice", "NICK alice_away", {});
  alice.send_line("NICK alice"); // its own account
  alice.expect_line(":alice_away!alice_away@parley NICK alice");
  sync(alice);
}

// --- OPER, KILL, user modes, LUSERS, TIME ---

TEST_CASE("OPER: 491 for a name that is no operator, 464 wrong password, 381 and +o", "[irc]") {
  live_server srv{with_operator()};
  srv.add_account("root", pw);
  srv.add_account("bob", pw);
  irc_user bob{srv, "bob", with_pass{}};
  bob.send_line("OPER bob " + pw); // a real account, but no operator
  bob.expect_line(S("491 bob :No O-lines for your host"));
  bob.send_line("OPER root wrong-password");
  bob.expect_line(S("464 bob :Password incorrect"));
  bob.send_line("OPER root");
  bob.expect_line(S("461 bob OPER :Not enough parameters"));
  bob.send_line("MODE bob +o"); // +o only comes from OPER
  bob.send_line("MODE bob");
  bob.expect_line(S("221 bob +"));
  become_operator(bob, "bob");
  bob.send_line("MODE bob");
  bob.expect_line(S("221 bob +o"));
  bob.send_line("LUSERS");
  bob.expect_line(S("251 bob :There are 1 users and 0 invisible on 1 servers"));
  bob.expect_line(S("252 bob 1 :operator(s) online"));
  bob.expect_line(S("254 bob 0 :channels formed"));
  bob.expect_line(S("255 bob :I have 1 clients and 0 servers"));
}

TEST_CASE("an operator may MODE, TOPIC and KICK in channels where it is no op", "[irc]") {
  live_server srv{with_operator()};
  srv.add_account("root", pw);
  irc_user alice{srv, "alice"}, bob{srv, "bob"};
  create(alice, "alice", "#c");
  join_seen(bob, "bob", "#c", "@alice bob", {&alice});
  bob.send_line("MODE #c +m");
  bob.expect_line(S("482 bob #c :You're not channel operator"));
  become_operator(bob, "bob");
  // `by` sends `command`; it and `member` see it come from `nick`'s full mask.
  auto change = [](tcp_client& by, const std::string& nick, tcp_client& member,
                   const std::string& command) {
    by.send_line(command);
    by.expect_line(M(nick) + " " + command);
    member.expect_line(M(nick) + " " + command);
  };
  change(bob, "bob", alice, "MODE #c +m");
  change(bob, "bob", alice, "TOPIC #c :set by an operator");
  change(bob, "bob", alice, "KICK #c alice :operator's decision");
  names(bob, "bob", "#c", "bob");

  // From outside the channel: the members see the operator's full mask, and so does it.
  irc_user eve{srv, "eve"};
  become_operator(eve, "eve");
  change(eve, "eve", bob, "TOPIC #c :from outside");
  change(eve, "eve", bob, "MODE #c -m");
  change(eve, "eve", bob, "KICK #c bob :outside decision");
  sync(eve, "one-line-each");
}

TEST_CASE("KILL: the victim gets an ERROR and is closed, others see its QUIT, 481, 401",
          "[irc]") {
  live_server srv{with_operator()};
  srv.add_account("root", pw);
  irc_user alice{srv, "alice"}, bob{srv, "bob"}, carol{srv, "carol"};
  create(alice, "alice", "#c");
  join_seen(carol, "carol", "#c", "@alice carol", {&alice});
  alice.send_line("KILL bob :no reason");
  alice.expect_line(S("481 alice :Permission Denied- You're not an IRC operator"));
  become_operator(bob, "bob");
  bob.send_line("KILL nobody :gone");
  bob.expect_line(S("401 bob nobody :No such nick/channel"));
  bob.send_line("KILL alice :spamming");
  alice.expect_line("ERROR :Closing Link: parley (Killed (bob (spamming)))");
  alice.expect_closed();
  carol.expect_line(M("alice") + " QUIT :Killed (bob (spamming))");
  sync(bob, "no-reply-to-the-killer");
  names(carol, "carol", "#c", "carol");
  // The nick is free again.
  tcp_client again{srv.irc_port(), "alice again"};
  irc_register(again, "alice");
}

TEST_CASE("KILL of a line-protocol user", "[irc]") {
  live_server srv{with_operator()};
  srv.add_account("root", pw);
  irc_user bob{srv, "bob"};
  become_operator(bob, "bob");
  line_user carol{srv, "carol"};
  bob.send_line("KILL carol :line users too");
  carol.expect_line("ERROR disconnected by bob: line users too");
  carol.expect_closed();
}

TEST_CASE("user modes: +i and -i, 501 for an unknown flag, 502 for another user", "[irc]") {
  live_server srv;
  irc_user alice{srv, "alice"}, bob{srv, "bob"};
  alice.send_line("MODE alice +i");
  alice.expect_line(":alice MODE alice :+i");
  alice.send_line("MODE alice +i"); // no change, no line
  alice.send_line("MODE Alice");
  alice.expect_line(S("221 alice +i"));
  alice.send_line("MODE alice +z");
  alice.expect_line(S("501 alice :Unknown MODE flag"));
  alice.send_line("MODE alice -i");
  alice.expect_line(":alice MODE alice :-i");
  alice.send_line("MODE alice");
  alice.expect_line(S("221 alice +"));
  alice.send_line("MODE bob +i");
  alice.expect_line(S("502 alice :Cant change mode for other users"));
  sync(bob, "bob-unchanged");
  bob.send_line("MODE bob");
  bob.expect_line(S("221 bob +"));
}

TEST_CASE("user mode -o drops operator status: no more KILL", "[irc]") {
  live_server srv{with_operator()};
  srv.add_account("root", pw);
  irc_user alice{srv, "alice"}, bob{srv, "bob"};
  become_operator(bob, "bob");
  bob.send_line("MODE bob -o");
  bob.expect_line(":bob MODE bob :-o");
  bob.send_line("MODE bob");
  bob.expect_line(S("221 bob +"));
  bob.send_line("KILL alice :no longer allowed");
  bob.expect_line(S("481 bob :Permission Denied- You're not an IRC operator"));
  sync(alice, "alice-still-here");
}

TEST_CASE("LUSERS no longer counts an operator that dropped +o", "[irc]") {
  // 252 RPL_LUSEROP counts the operators online; after MODE nick -o the user is no operator.
  live_server srv{with_operator()};
  srv.add_account("root", pw);
  irc_user bob{srv, "bob"};
  become_operator(bob, "bob");
  bob.send_line("MODE bob -o");
  bob.expect_line(":bob MODE bob :-o");
  bob.send_line("LUSERS");
  bob.expect_line(S("251 bob :There are 1 users and 0 invisible on 1 servers"), 2000ms);
  bob.expect_line(S("254 bob 0 :channels formed"), 2000ms);
  bob.expect_line(S("255 bob :I have 1 clients and 0 servers"), 2000ms);
}

TEST_CASE("LUSERS on request counts registered users (both protocols) and channels", "[irc]") {
  live_server srv{with_operator()};
  srv.add_account("root", pw);
  line_user dave{srv, "dave"}; // a user, and #lobby
  irc_user alice{srv, "alice"}, bob{srv, "bob"};
  tcp_client unregistered{srv.irc_port(), "unregistered"};
  unregistered.send_line("NICK carol");
  sync(unregistered);
  create(alice, "alice", "#a");
  create(bob, "bob", "#b");
  alice.send_line("LUSERS");
  alice.expect_line(S("251 alice :There are 3 users and 0 invisible on 1 servers"));
  alice.expect_line(S("254 alice 3 :channels formed"));
  alice.expect_line(S("255 alice :I have 3 clients and 0 servers"));
  become_operator(bob, "bob");
  alice.send_line("LUSERS");
  alice.expect_line(S("251 alice :There are 3 users and 0 invisible on 1 servers"));
  alice.expect_line(S("252 alice 1 :operator(s) online"));
  alice.expect_line(S("254 alice 3 :channels formed"));
  alice.expect_line(S("255 alice :I have 3 clients and 0 servers"));
  bob.send_line("QUIT");
  bob.expect_line("ERROR :Closing Link: parley (Quit: )");
  bob.expect_closed();
  alice.send_line("LUSERS"); // the operator is gone; #b is retired as the room sees fit
  alice.expect_line(S("251 alice :There are 2 users and 0 invisible on 1 servers"));
  auto line = alice.read_line();
  INFO(line);
  CHECK(std::regex_match(line, std::regex{":parley\\.local 254 alice [23] :channels formed"}));
  alice.expect_line(S("255 alice :I have 2 clients and 0 servers"));
}

TEST_CASE("TIME answers 391 with the server name and the current UTC time", "[irc]") {
  live_server srv;
  irc_user alice{srv, "alice"};
  auto before = unix_now();
  alice.send_line("TIME");
  auto line = alice.read_line();
  auto after = unix_now();
  std::vector<std::string> allowed;
  for (auto t = before; t <= after; ++t) {
    std::time_t secs = static_cast<std::time_t>(t);
    std::tm tm{};
    gmtime_r(&secs, &tm);
    char buf[64];
    std::strftime(buf, sizeof buf, "%A %B %d %Y -- %H:%M:%S +00:00", &tm);
    allowed.push_back(S(std::string{"391 alice parley.local :"} + buf));
  }
  INFO("got: " << line);
  CHECK(std::find(allowed.begin(), allowed.end(), line) != allowed.end());
}

// --- QUIT across shared channels ---

TEST_CASE("QUIT: a client that shares two channels with the quitter sees one QUIT", "[irc]") {
  live_server srv;
  irc_user alice{srv, "alice"}, bob{srv, "bob"}, carol{srv, "carol"};
  create(alice, "alice", "#a");
  create(alice, "alice", "#b");
  join_seen(bob, "bob", "#a", "@alice bob", {&alice});
  join_seen(bob, "bob", "#b", "@alice bob", {&alice});
  join_seen(carol, "carol", "#b", "@alice bob carol", {&alice, &bob});
  bob.send_line("QUIT :see you");
  bob.expect_line("ERROR :Closing Link: parley (Quit: see you)");
  alice.expect_line(M("bob") + " QUIT :see you");
  carol.expect_line(M("bob") + " QUIT :see you");
  names(alice, "alice", "#a", "@alice"); // no second QUIT from #a ...
  names(alice, "alice", "#b", "@alice carol"); // ... nor from #b
}

// --- IRCv3 capabilities ---

TEST_CASE("server-time: lines from others carry @time=, numerics do not", "[irc]") {
  live_server srv;
  irc_user alice{srv, "alice", with_caps{"server-time"}}, bob{srv, "bob"};
  create_timed(alice, "alice", "#c");
  join(bob, "bob", "#c", "@alice bob");
  expect_timed(alice, M("bob") + " JOIN #c");
  bob.send_line("PRIVMSG #c :what time is it?");
  expect_timed(alice, M("bob") + " PRIVMSG #c :what time is it?");
  bob.send_line("PRIVMSG alice :privately");
  expect_timed(alice, M("bob") + " PRIVMSG alice :privately");
  alice.send_line("PRIVMSG #c :no tags for bob");
  bob.expect_line(M("alice") + " PRIVMSG #c :no tags for bob"); // bob did not ask
  sync(alice);
}

TEST_CASE("account-tag: messages from an authenticated user carry account=, anonymous ones "
          "none", "[irc]") {
  live_server srv;
  srv.add_account("dave", pw);
  irc_user alice{srv, "alice", with_caps{"account-tag"}}, bob{srv, "bob"},
    dave{srv, "dave", with_sasl{"echo-message"}};
  create(alice, "alice", "#c");
  join_seen(bob, "bob", "#c", "@alice bob", {&alice});
  join_seen(dave, "dave", "#c", "@alice bob dave", {&bob});
  alice.expect_line("@account=dave " + M("dave") + " JOIN #c"); // every message dave causes
  dave.send_line("PRIVMSG #c :signed");
  alice.expect_line("@account=dave " + M("dave") + " PRIVMSG #c :signed");
  bob.expect_line(M("dave") + " PRIVMSG #c :signed"); // bob did not ask
  dave.expect_line(M("dave") + " PRIVMSG #c :signed"); // the echo: dave did not ask either
  bob.send_line("PRIVMSG #c :anonymous");
  alice.expect_line(M("bob") + " PRIVMSG #c :anonymous");
  dave.expect_line(M("bob") + " PRIVMSG #c :anonymous");
  dave.send_line("PRIVMSG alice :private and signed");
  alice.expect_line("@account=dave " + M("dave") + " PRIVMSG alice :private and signed");
  dave.expect_line(M("dave") + " PRIVMSG alice :private and signed");
  sync(alice);
}

TEST_CASE("account-tag with PASS, and together with server-time", "[irc]") {
  live_server srv;
  srv.add_account("dave", pw);
  irc_user alice{srv, "alice", with_caps{"account-tag server-time"}},
    dave{srv, "dave", with_pass{}};
  dave.send_line("PRIVMSG alice :hello");
  auto line = alice.read_line();
  INFO(line);
  auto [tags, rest] = untag(line);
  CHECK(rest == M("dave") + " PRIVMSG alice :hello");
  CHECK(tag_value(tags, "account") == std::optional<std::string>{"dave"});
  auto time = tag_value(tags, "time");
  REQUIRE(time);
  check_server_time(*time);
}

TEST_CASE("away-notify: peers with the cap see AWAY (once), others nothing, WHO shows G",
          "[irc]") {
  live_server srv;
  irc_user alice{srv, "alice", with_caps{"away-notify"}}, bob{srv, "bob"}, carol{srv, "carol"};
  create(alice, "alice", "#a");
  create(alice, "alice", "#b");
  join_seen(bob, "bob", "#a", "@alice bob", {&alice});
  join_seen(bob, "bob", "#b", "@alice bob", {&alice});
  join_seen(carol, "carol", "#a", "@alice bob carol", {&alice, &bob});

  bob.send_line("AWAY :gone");
  bob.expect_line(S("306 bob :You have been marked as being away"));
  alice.expect_line(M("bob") + " AWAY :gone");
  // WHO asks each room; their answers come after anything they sent before.
  who(alice, "alice", "#a", {{"alice", "H@"}, {"bob", "G"}, {"carol", "H"}});
  who(alice, "alice", "#b", {{"alice", "H@"}, {"bob", "G"}});
  carol.send_line("WHO #a"); // carol did not ask for away-notify: no AWAY line before this
  carol.expect_line(S("352 carol #a alice parley parley.local alice H@ :0 alice"));
  carol.expect_line(S("352 carol #a bob parley parley.local bob G :0 bob"));
  carol.expect_line(S("352 carol #a carol parley parley.local carol H :0 carol"));
  carol.expect_line(S("315 carol #a :End of WHO list"));

  bob.send_line("AWAY");
  bob.expect_line(S("305 bob :You are no longer marked as being away"));
  alice.expect_line(M("bob") + " AWAY");
  names(alice, "alice", "#a", "@alice bob carol");
  names(alice, "alice", "#b", "@alice bob");
  who(carol, "carol", "#a", {{"alice", "H@"}, {"bob", "H"}, {"carol", "H"}});
}

TEST_CASE("away-notify: a user who joins while away is announced as away after the JOIN",
          "[irc]") {
  live_server srv;
  irc_user alice{srv, "alice", with_caps{"away-notify"}}, bob{srv, "bob"}, carol{srv, "carol"};
  create(alice, "alice", "#c");
  join_seen(carol, "carol", "#c", "@alice carol", {&alice});
  bob.send_line("AWAY :brb");
  bob.expect_line(S("306 bob :You have been marked as being away"));
  join_seen(bob, "bob", "#c", "@alice bob carol", {&alice});
  alice.expect_line(M("bob") + " AWAY :brb");
  carol.expect_line(M("bob") + " JOIN #c");
  carol.send_line("WHO #c"); // and no AWAY line for carol before the answer
  carol.expect_line(S("352 carol #c alice parley parley.local alice H@ :0 alice"));
  carol.expect_line(S("352 carol #c bob parley parley.local bob G :0 bob"));
  carol.expect_line(S("352 carol #c carol parley parley.local carol H :0 carol"));
  carol.expect_line(S("315 carol #c :End of WHO list"));
}

// A CAP REQ after joining changes how the rooms render this client's lines from then on (the
// connection sends its rooms a new delivery route). NAMES asks the room, after the new route:
// its answer proves the room has it before the next line is sent.
TEST_CASE("CAP REQ after joining: later channel lines carry @time=, and none after "
          "-server-time", "[irc]") {
  live_server srv;
  irc_user alice{srv, "alice"}, bob{srv, "bob"};
  create(alice, "alice", "#a");
  create(alice, "alice", "#b");
  join_seen(bob, "bob", "#a", "@alice bob", {&alice});
  join_seen(bob, "bob", "#b", "@alice bob", {&alice});
  bob.send_line("PRIVMSG #a :before");
  alice.expect_line(M("bob") + " PRIVMSG #a :before");

  alice.send_line("CAP REQ :server-time");
  alice.expect_line(S("CAP alice ACK server-time"));
  names(alice, "alice", "#a", "@alice bob");
  names(alice, "alice", "#b", "@alice bob");
  bob.send_line("PRIVMSG #a :now with a time");
  expect_timed(alice, M("bob") + " PRIVMSG #a :now with a time");
  bob.send_line("PRIVMSG #b :in the other channel too");
  expect_timed(alice, M("bob") + " PRIVMSG #b :in the other channel too");
  alice.send_line("PRIVMSG #a :bob did not ask");
  bob.expect_line(M("alice") + " PRIVMSG #a :bob did not ask");

  alice.send_line("CAP REQ :-server-time");
  alice.expect_line(S("CAP alice ACK -server-time"));
  names(alice, "alice", "#a", "@alice bob");
  names(alice, "alice", "#b", "@alice bob");
  bob.send_line("PRIVMSG #a :plain again");
  alice.expect_line(M("bob") + " PRIVMSG #a :plain again");
  bob.send_line("PRIVMSG #b :here as well");
  alice.expect_line(M("bob") + " PRIVMSG #b :here as well");
  sync(alice);
}

TEST_CASE("CAP REQ after joining: account-tag turns on and off for channel lines", "[irc]") {
  live_server srv;
  srv.add_account("dave", pw);
  irc_user alice{srv, "alice"}, dave{srv, "dave", with_sasl{""}};
  create(alice, "alice", "#c");
  join_seen(dave, "dave", "#c", "@alice dave", {&alice});
  dave.send_line("PRIVMSG #c :unsigned for now");
  alice.expect_line(M("dave") + " PRIVMSG #c :unsigned for now");

  alice.send_line("CAP REQ :account-tag");
  alice.expect_line(S("CAP alice ACK account-tag"));
  names(alice, "alice", "#c", "@alice dave");
  dave.send_line("PRIVMSG #c :signed");
  alice.expect_line("@account=dave " + M("dave") + " PRIVMSG #c :signed");

  alice.send_line("CAP REQ :-account-tag");
  alice.expect_line(S("CAP alice ACK -account-tag"));
  names(alice, "alice", "#c", "@alice dave");
  dave.send_line("PRIVMSG #c :unsigned again");
  alice.expect_line(M("dave") + " PRIVMSG #c :unsigned again");
  sync(alice);
}

TEST_CASE("multi-prefix: NAMES shows @+ to clients that asked, @ to the others", "[irc]") {
  live_server srv;
  irc_user alice{srv, "alice", with_caps{"multi-prefix"}}, bob{srv, "bob"}, carol{srv, "carol"},
    dave{srv, "dave", with_caps{"multi-prefix"}};
  create(alice, "alice", "#c");
  join_seen(bob, "bob", "#c", "@alice bob", {&alice});
  join_seen(carol, "carol", "#c", "@alice bob carol", {&alice, &bob});
  change_seen(alice, "alice", "MODE #c +ov bob bob", {&bob, &carol});
  change_seen(alice, "alice", "MODE #c +v carol", {&bob, &carol});
  names(alice, "alice", "#c", "@alice @+bob +carol");
  names(carol, "carol", "#c", "@alice @bob +carol");
  join_seen(dave, "dave", "#c", "@alice @+bob +carol dave", {&alice, &bob, &carol});
  carol.send_line("WHO #c"); // WHO flags show every prefix
  carol.expect_line(S("352 carol #c alice parley parley.local alice H@ :0 alice"));
  carol.expect_line(S("352 carol #c bob parley parley.local bob H@+ :0 bob"));
  carol.expect_line(S("352 carol #c carol parley parley.local carol H+ :0 carol"));
  carol.expect_line(S("352 carol #c dave parley parley.local dave H :0 dave"));
  carol.expect_line(S("315 carol #c :End of WHO list"));
}

TEST_CASE("echo-message with server-time and client tags, and TAGMSG accepted silently",
          "[irc]") {
  live_server srv;
  irc_user alice{srv, "alice", with_caps{"echo-message message-tags server-time"}};
  irc_user bob{srv, "bob"};
  create_timed(alice, "alice", "#c");
  join(bob, "bob", "#c", "@alice bob");
  expect_timed(alice, M("bob") + " JOIN #c");
  alice.send_line("PRIVMSG #c :echoed with a time");
  bob.expect_line(M("alice") + " PRIVMSG #c :echoed with a time");
  expect_timed(alice, M("alice") + " PRIVMSG #c :echoed with a time");
  alice.send_line("@+draft/reply=123;+example.com/x=y PRIVMSG bob :with client tags");
  bob.expect_line(M("alice") + " PRIVMSG bob :with client tags");
  expect_timed(alice, M("alice") + " PRIVMSG bob :with client tags");
  alice.send_line("@+typing=active TAGMSG #c");
  alice.send_line("@+typing=active TAGMSG bob");
  sync(alice, "tagmsg-answered-nothing");
  sync(bob, "tagmsg-relayed-nothing");
}

// --- Flood control ---

TEST_CASE("flood control: 20 PINGs at once all get their PONG, paced after a burst", "[irc]") {
  fixture_options opts;
  opts.flood_penalty_ms = 100;
  opts.flood_burst_ms = 300;
  live_server srv{opts};
  irc_user alice{srv, "alice"};
  auto burst = pings(20);
  auto t0 = steady::now();
  alice.send(burst);
  std::vector<steady::duration> at;
  for (int i = 0; i < 20; ++i) {
    alice.expect_line(S("PONG parley.local p" + std::to_string(i)));
    at.push_back(steady::now() - t0);
  }
  using std::chrono::milliseconds;
  INFO("the second PONG came after " << std::chrono::duration_cast<milliseconds>(at[1]).count()
                                     << " ms, the last after "
                                     << std::chrono::duration_cast<milliseconds>(at[19]).count()
                                     << " ms");
  // At most burst/penalty + 1 lines go at once (fewer: registration used some of the burst);
  // the rest come one per penalty, so the 20th no sooner than 15 penalties later.
  CHECK(at[1] < 600ms);
  CHECK(at[19] >= 1000ms);
}

TEST_CASE("flood control: with penalty 0, 20 PINGs at once are answered promptly", "[irc]") {
  fixture_options opts;
  opts.flood_penalty_ms = 0;
  opts.flood_burst_ms = 300;
  live_server srv{opts};
  irc_user alice{srv, "alice"};
  auto burst = pings(20);
  auto t0 = steady::now();
  alice.send(burst);
  for (int i = 0; i < 20; ++i)
    alice.expect_line(S("PONG parley.local p" + std::to_string(i)));
  INFO("the last PONG came after " << ms_since(t0));
  CHECK(steady::now() - t0 < 1000ms);
}

TEST_CASE("flood control: operators are exempt", "[irc]") {
  fixture_options opts = with_operator();
  opts.flood_penalty_ms = 100;
  opts.flood_burst_ms = 300;
  live_server srv{opts};
  srv.add_account("root", pw);
  irc_user bob{srv, "bob"};
  become_operator(bob, "bob");
  auto burst = pings(20);
  // Registration and OPER may still be paying off a short wait before the first line.
  auto t0 = steady::now();
  bob.send(burst);
  for (int i = 0; i < 20; ++i)
    bob.expect_line(S("PONG parley.local p" + std::to_string(i)));
  INFO("the last PONG came after " << ms_since(t0));
  CHECK(steady::now() - t0 < 1000ms);
}

// --- Line lengths with tags ---

TEST_CASE("417 for a 600-byte line without tags, but 1000 bytes of tags before a short body are "
          "fine", "[irc]") {
  live_server srv;
  irc_user alice{srv, "alice"}, bob{srv, "bob"};
  const std::string head = "PRIVMSG bob :";
  alice.send_line(head + std::string(600 - head.size(), 'x'));
  alice.expect_line(S("417 alice :Input line was too long"));
  // 1000 bytes of tags ("@+a=vvv... "), then a short body.
  std::string tags = "@+a=" + std::string(1000 - 5, 'v') + " ";
  REQUIRE(tags.size() == 1000);
  alice.send_line(tags + head + "short body");
  bob.expect_line(M("alice") + " PRIVMSG bob :short body");
  // Tags do not count toward the body's 512 bytes, which still apply.
  alice.send_line(tags + head + std::string(510 - head.size(), 'y'));
  auto relayed = M("alice") + " PRIVMSG bob :"; // cut to keep the relayed line to 512 bytes
  bob.expect_line(relayed + std::string(510 - relayed.size(), 'y'));
  alice.send_line(tags + head + std::string(511 - head.size(), 'z'));
  alice.expect_line(S("417 alice :Input line was too long"));
  // More than 8191 bytes of tags: too long too; the connection stays usable.
  alice.send_line("@+a=" + std::string(9000, 'w') + " " + head + "huge tags");
  alice.expect_line(S("417 alice :Input line was too long"));
  sync(alice);
  sync(bob, "bob-got-nothing-more");
}

// --- Topics in LIST, secret channels in NAMES, TOPICLEN, account-tag on other events ---

TEST_CASE("TOPIC: a topic longer than TOPICLEN (307) is cut", "[irc]") {
  live_server srv;
  irc_user alice{srv, "alice"};
  create(alice, "alice", "#c");
  auto topic = std::string(400, 't');
  alice.send_line("TOPIC #c :" + topic);
  alice.expect_line(M("alice") + " TOPIC #c :" + topic.substr(0, 307));
  alice.send_line("TOPIC #c");
  alice.expect_line(S("332 alice #c " + T(topic.substr(0, 307))));
}

TEST_CASE("LIST shows each channel's topic in 322", "[irc]") {
  // RFC 2812 / Modern IRC: RPL_LIST is "<client> <channel> <client count> :<topic>"; now that
  // topics can be set, LIST should show them (actors/irc_channels.cpp cmd_list always sends "").
  live_server srv;
  irc_user alice{srv, "alice"};
  create(alice, "alice", "#c");
  change_seen(alice, "alice", "TOPIC #c :the topic", {});
  alice.send_line("LIST");
  alice.expect_line(S("321 alice Channel :Users  Name"));
  alice.expect_line(S("322 alice #c 1 :the topic"), 2000ms);
  alice.expect_line(S("323 alice :End of /LIST"), 2000ms);
}

TEST_CASE("NAMES of a secret channel uses the '@' channel type", "[irc]") {
  // RFC 2812 / Modern IRC 353: <symbol> is '@' for secret channels, '=' for public ones
  // (actors/irc_channels.cpp passes secret=false to names_reply everywhere).
  live_server srv;
  irc_user alice{srv, "alice"}, bob{srv, "bob"};
  create(alice, "alice", "#c");
  change_seen(alice, "alice", "MODE #c +s", {});
  alice.send_line("NAMES #c");
  alice.expect_line(S("353 alice @ #c @alice"), 2000ms);
  alice.expect_line(S("366 alice #c :End of /NAMES list"), 2000ms);
  bob.send_line("JOIN #c");
  bob.expect_line(M("bob") + " JOIN #c");
  bob.expect_line(S("331 bob #c :No topic is set"));
  bob.expect_line(S("353 bob @ #c :@alice bob"), 2000ms);
}

TEST_CASE("account-tag: JOIN and PART of an authenticated user carry account= too", "[irc]") {
  // IRCv3 account-tag: the server adds the tag to every event a logged-in user causes, not only
  // to PRIVMSG/NOTICE (the room's broadcasts of JOIN, PART, QUIT, NICK, TOPIC, MODE and KICK).
  live_server srv;
  srv.add_account("dave", pw);
  irc_user alice{srv, "alice", with_caps{"account-tag"}}, dave{srv, "dave", with_pass{}};
  create(alice, "alice", "#c");
  join(dave, "dave", "#c", "@alice dave");
  alice.expect_line("@account=dave " + M("dave") + " JOIN #c", 2000ms);
  dave.send_line("PART #c");
  alice.expect_line("@account=dave " + M("dave") + " PART #c", 2000ms);
}

TEST_CASE("account-tag: a server operator's change from outside the channel carries its "
          "account", "[irc]") {
  live_server srv{with_operator()};
  srv.add_account("root", pw);
  irc_user alice{srv, "alice", with_caps{"account-tag"}};
  irc_user root{srv, "root", with_pass{}}; // logged in to account root
  become_operator(root, "root");
  create(alice, "alice", "#c");
  change_seen(root, "root", "TOPIC #c :set from outside", {});
  alice.expect_line("@account=root " + M("root") + " TOPIC #c :set from outside", 2000ms);
}

// --- Slow readers ---

namespace {

/// A server that drops a connection with more than 64 KiB of unsent output, without flood
/// control (one client talks a lot).
fixture_options slow_reader_options() {
  fixture_options o;
  o.max_output_bytes = 64 * 1024;
  o.flood_penalty_ms = 0;
  return o;
}

} // namespace

TEST_CASE("an IRC client that stops reading is dropped and its channel sees it quit with "
          "output queue overflow", "[irc]") {
  live_server srv{slow_reader_options()};
  irc_user bob{srv, "bob"}, carol{srv, "carol"};
  irc_user alice{srv, "alice", 4096}; // a small receive buffer fills up sooner
  create(bob, "bob", "#c");
  join_seen(carol, "carol", "#c", "@bob carol", {&bob});
  join_seen(alice, "alice", "#c", "alice @bob carol", {&bob, &carol});
  // alice reads nothing more; bob talks in rounds of 8 lines and a PING until she is dropped.
  const std::string quit = M("alice") + " QUIT :output queue overflow (client too slow)";
  const std::string text = std::string(400, 'o');
  const std::string line = M("bob") + " PRIVMSG #c :" + text;
  int sent = 0;
  bool dropped = false;
  bool carol_saw_quit = false;
  for (int round = 0; round < 20000 && !dropped; ++round) {
    std::string burst;
    for (int i = 0; i < 8; ++i)
      burst += "PRIVMSG #c :" + text + "\r\n";
    burst += "PING r" + std::to_string(round) + "\r\n";
    bob.send(burst);
    sent += 8;
    std::vector<std::string> before;
    bob.read_until([&](const std::string& l) { return l == S("PONG parley.local r" + std::to_string(round)); },
                   5s, &before);
    for (const auto& l : before) {
      REQUIRE(l == quit);
      dropped = true;
    }
    for (int i = 0; i < 8; ++i) {
      auto got = carol.read_line();
      if (got == quit) {
        carol_saw_quit = true;
        got = carol.read_line();
      }
      REQUIRE(got == line);
    }
  }
  INFO("alice was dropped after bob sent " << sent << " lines");
  REQUIRE(dropped);
  if (!carol_saw_quit)
    carol.expect_line(quit);
  names(carol, "carol", "#c", "@bob carol");
  // alice got the start of the talk (perhaps cut off mid-line), then her socket closed.
  auto rest = alice.read_rest_until_closed();
  const std::string wire = line + "\r\n";
  CHECK(rest.size() / wire.size() < static_cast<std::size_t>(sent));
  CHECK(rest.find("QUIT") == std::string::npos);
}
