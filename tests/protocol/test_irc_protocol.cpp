// The IRC protocol layer (protocol/irc_message, irc_numerics, irc_masks, irc_events,
// irc_isupport, and protocol/names as IRC uses it): parsing examples from the Modern IRC docs and
// the irc-parser-tests cases, round trips, every parse error, formatting rules, casemapping,
// name rules, ban masks, ISUPPORT and numerics.
#include <catch2/catch.hpp>

#include <cctype>
#include <optional>

#include "protocol/irc_events.hpp"
#include "protocol/irc_isupport.hpp"
#include "protocol/irc_message.hpp"
#include "protocol/irc_masks.hpp"
#include "protocol/irc_numerics.hpp"
#include "protocol/names.hpp"

using namespace parley::protocol::irc;
using strings = std::vector<std::string>;
using tag_list = std::vector<std::pair<std::string, std::string>>;

namespace {

irc_message parse_ok(std::string_view line) {
  std::string error;
  auto msg = parse_irc_line(line, &error);
  INFO("line: " << line << " error: " << error);
  REQUIRE(msg);
  return *msg;
}

std::string parse_error(std::string_view line) {
  std::string error;
  auto msg = parse_irc_line(line, &error);
  INFO("line: " << line);
  CHECK_FALSE(msg);
  return error;
}

/// format_irc without its CRLF.
std::string line_of(const irc_message& msg) {
  auto s = format_irc(msg);
  REQUIRE(s.size() >= 2);
  CHECK(s.substr(s.size() - 2) == "\r\n");
  return s.substr(0, s.size() - 2);
}

irc_message msg(std::string prefix, std::string command, strings params, tag_list tags = {}) {
  return irc_message{std::move(tags), std::move(prefix), std::move(command), std::move(params)};
}

} // namespace

// --- parsing --------------------------------------------------------------------------------

TEST_CASE("a prefixed message with a trailing param (Modern IRC)") {
  auto m = parse_ok(":irc.example.com CAP LS * :multi-prefix extended-join sasl");
  CHECK(m.tags.empty());
  CHECK(m.prefix == "irc.example.com");
  CHECK(m.command == "CAP");
  CHECK(m.params == strings{"LS", "*", "multi-prefix extended-join sasl"});
}

TEST_CASE("a message with a tag, a prefix and a trailing param (Modern IRC)") {
  auto m = parse_ok("@id=234AB :dan!d@localhost PRIVMSG #chan :Hey what's up!");
  CHECK(m.tags == tag_list{{"id", "234AB"}});
  CHECK(m.prefix == "dan!d@localhost");
  CHECK(m.command == "PRIVMSG");
  CHECK(m.params == strings{"#chan", "Hey what's up!"});
}

TEST_CASE("a message with neither tags nor prefix") {
  auto m = parse_ok("CAP REQ :sasl");
  CHECK(m.prefix.empty());
  CHECK(m.command == "CAP");
  CHECK(m.params == strings{"REQ", "sasl"});
}

TEST_CASE("a command without params") {
  auto m = parse_ok("QUIT");
  CHECK(m.command == "QUIT");
  CHECK(m.params.empty());
  CHECK(parse_ok(":src AWAY").params.empty());
  CHECK(parse_ok(":src AWAY ").params.empty());
}

TEST_CASE("tags with and without values (Modern IRC)") {
  CHECK(parse_ok("@id=123AB;rose CMD").tags == tag_list{{"id", "123AB"}, {"rose", ""}});
  CHECK(parse_ok("@url=;netsplit=tur,ty CMD").tags ==
        tag_list{{"url", ""}, {"netsplit", "tur,ty"}});
  CHECK(parse_ok("@c;h=;a=b :quux ab cd").tags == tag_list{{"c", ""}, {"h", ""}, {"a", "b"}});
}

TEST_CASE("client-only and vendor tags") {
  auto m = parse_ok("@+example.com/foo=bar;draft/label=x;+typing=active TAGMSG #chan");
  CHECK(m.tags ==
        tag_list{{"+example.com/foo", "bar"}, {"draft/label", "x"}, {"+typing", "active"}});
  CHECK(m.command == "TAGMSG");
}

TEST_CASE("tag values are unescaped") {
  auto m = parse_ok(R"(@a=b\\and\nk;c=72\s45;d=gh\:764 foo)");
  CHECK(m.tags == tag_list{{"a", "b\\and\nk"}, {"c", "72 45"}, {"d", "gh;764"}});
  CHECK(parse_ok(R"(@t=x\ry CMD)").tags == tag_list{{"t", "x\ry"}});
  CHECK(parse_ok(R"(@tag1=value\\ntest COMMAND)").tags == tag_list{{"tag1", "value\\ntest"}});
  CHECK(parse_ok(R"(@tag1=value\ COMMAND)").tags == tag_list{{"tag1", "value"}});
  CHECK(parse_ok(R"(@tag1=value\1 COMMAND)").tags == tag_list{{"tag1", "value1"}});
}

TEST_CASE("a tag given twice keeps its last value") {
  CHECK(parse_ok("@tag1=1;tag2=3;tag3=4;tag1=5 COMMAND").tags ==
        tag_list{{"tag1", "5"}, {"tag2", "3"}, {"tag3", "4"}});
}

TEST_CASE("empty tag items are skipped") {
  CHECK(parse_ok("@a=1;;b CMD").tags == tag_list{{"a", "1"}, {"b", ""}});
  CHECK(parse_ok("@ CMD").tags.empty());
}

TEST_CASE("the trailing param keeps its spaces and colons") {
  CHECK(parse_ok(":coolguy foo bar baz :  asdf quux ").params ==
        strings{"bar", "baz", "  asdf quux "});
  CHECK(parse_ok(":coolguy PRIVMSG bar :lol :) ").params == strings{"bar", "lol :) "});
  CHECK(parse_ok("PRIVMSG #c ::-)").params == strings{"#c", ":-)"});
  CHECK(parse_ok("CMD a:b c:d").params == strings{"a:b", "c:d"});
}

TEST_CASE("an empty trailing param is a param") {
  CHECK(parse_ok(":coolguy foo bar baz :").params == strings{"bar", "baz", ""});
  CHECK(parse_ok("TOPIC #chan :").params == strings{"#chan", ""});
  CHECK(parse_ok("AWAY :").params == strings{""});
}

TEST_CASE("a trailing param that could have been a middle one") {
  CHECK(parse_ok(":src JOIN :#chan").params == strings{"#chan"});
  CHECK(parse_ok(":src JOIN #chan").params == strings{"#chan"});
}

TEST_CASE("multiple spaces between parts are tolerated") {
  auto m = parse_ok(":gravel.mozilla.org 432  #momo :Erroneous Nickname: Illegal characters");
  CHECK(m.params == strings{"#momo", "Erroneous Nickname: Illegal characters"});
  CHECK(parse_ok(":services.esper.net MODE #foo-bar +o foobar  ").params ==
        strings{"#foo-bar", "+o", "foobar"});
  CHECK(parse_ok(":gravel.mozilla.org MODE #tckk +n ").params == strings{"#tckk", "+n"});
  auto spaced = parse_ok("@a=b   :src   PRIVMSG   #c    :hi there");
  CHECK(spaced.tags == tag_list{{"a", "b"}});
  CHECK(spaced.prefix == "src");
  CHECK(spaced.command == "PRIVMSG");
  CHECK(spaced.params == strings{"#c", "hi there"});
  CHECK(parse_ok("  PING x").command == "PING");
}

TEST_CASE("fifteen params are allowed, the last one trailing or not") {
  auto middle = parse_ok("CMD 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15");
  CHECK(middle.params.size() == 15);
  CHECK(middle.params.back() == "15");
  auto trailing = parse_ok("CMD 1 2 3 4 5 6 7 8 9 10 11 12 13 14 :15 and more");
  CHECK(trailing.params.size() == 15);
  CHECK(trailing.params.back() == "15 and more");
}

TEST_CASE("commands are normalised to upper case") {
  CHECK(parse_ok("privmsg #c :hi").command == "PRIVMSG");
  CHECK(parse_ok("NiCk alice").command == "NICK");
  CHECK(parse_ok(":x cap ls").command == "CAP");
}

TEST_CASE("numerics are commands of exactly three digits") {
  auto m = parse_ok(":irc.example.com 001 dan :Welcome to the ExampleNet IRC Network dan");
  CHECK(m.command == "001");
  CHECK(m.params == strings{"dan", "Welcome to the ExampleNet IRC Network dan"});
  CHECK(parse_ok(":s 433 * alice :Nickname is already in use").command == "433");
}

TEST_CASE("the error pointer may be null") {
  CHECK_FALSE(parse_irc_line("", nullptr).has_value());
  CHECK(parse_irc_line("PING x", nullptr).has_value());
}

// --- parse errors ---------------------------------------------------------------------------

TEST_CASE("parse error: empty line") {
  CHECK(parse_error("") == "empty line");
  CHECK(parse_error("    ") == "empty line");
}

TEST_CASE("parse error: missing command") {
  CHECK(parse_error(":prefix") == "missing command");
  CHECK(parse_error(":prefix   ") == "missing command");
  CHECK(parse_error("@a=b") == "missing command");
  CHECK(parse_error("@a=b ") == "missing command");
  CHECK(parse_error("@a=b :prefix") == "missing command");
}

TEST_CASE("parse error: empty prefix") {
  CHECK(parse_error(": PRIVMSG #c :hi") == "empty prefix");
}

TEST_CASE("parse error: bad command characters") {
  for (auto line : {"PRIV-MSG x", "12 x", "1234 x", "1A3 x", "PRIV1 x", "\xc3\xa9 x", "*"}) {
    INFO(line);
    CHECK(parse_error(line) == "bad command");
  }
}

TEST_CASE("parse error: more than fifteen params") {
  CHECK(parse_error("CMD 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16") == "too many parameters");
  CHECK(parse_error("CMD 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 :16") == "too many parameters");
}

TEST_CASE("parse error: NUL, CR or LF inside the line") {
  using namespace std::string_literals;
  for (auto line : {"PRIVMSG #c :a\0b"s, "PRIVMSG #c :a\rb"s, "PRIVMSG #c :a\nb"s,
                    "PING x\r\n"s, "@a=\0 CMD"s}) {
    CHECK(parse_error(line) == "NUL, CR or LF in line");
  }
}

TEST_CASE("parse error: bad tag key") {
  CHECK(parse_error("@=v CMD") == "bad tag key");
  CHECK(parse_error("@k!ey=v CMD") == "bad tag key");
  CHECK(parse_error("@+=v CMD") == "bad tag key");
  CHECK(parse_error("@vendor/=v CMD") == "bad tag key");
}

TEST_CASE("parse error: line and tag limits") {
  std::string body_510 = "PRIVMSG #c :" + std::string(510 - 12, 'x');
  REQUIRE(body_510.size() == 510);
  CHECK(parse_ok(body_510).params.back().size() == 498);
  CHECK_FALSE(irc_line_too_long(body_510));
  CHECK(parse_error(body_510 + "x") == "line too long");
  CHECK(irc_line_too_long(body_510 + "x"));

  // The tags don't count towards the 512 bytes; they have their own limit.
  std::string tags_8191 = "@t=" + std::string(max_tag_bytes - 3 - 1, 'v'); // and its ' '
  REQUIRE(tags_8191.size() + 1 == max_tag_bytes);
  CHECK(parse_ok(tags_8191 + " " + body_510).tags.front().second.size() == 8187);
  CHECK_FALSE(irc_line_too_long(tags_8191 + " " + body_510));
  CHECK(parse_error(tags_8191 + "v " + body_510) == "tags too long");
  CHECK(irc_line_too_long(tags_8191 + "v PING"));
}

// --- formatting -----------------------------------------------------------------------------

TEST_CASE("format: prefix, command, params and CRLF") {
  CHECK(format_irc(msg("", "PING", {"x"})) == "PING x\r\n");
  CHECK(line_of(msg("src", "AWAY", {})) == ":src AWAY");
  CHECK(line_of(msg("", "foo", {"bar", "baz", "asdf"})) == "foo bar baz asdf");
}

TEST_CASE("format: the last param gets ':' only when it needs one") {
  CHECK(line_of(msg("", "foo", {"bar", "baz", ""})) == "foo bar baz :");
  CHECK(line_of(msg("", "foo", {"bar", "baz", "asdf quux"})) == "foo bar baz :asdf quux");
  CHECK(line_of(msg("", "foo", {"bar", "baz", ":asdf"})) == "foo bar baz ::asdf");
  CHECK(line_of(msg("", "foo", {"bar", "baz", "asdf:quux"})) == "foo bar baz asdf:quux");
  CHECK(line_of(msg("", "AWAY", {""})) == "AWAY :");
}

TEST_CASE("format: tags are escaped and valueless tags have no '='") {
  CHECK(line_of(msg("", "CMD", {}, {{"a", "b"}, {"c", ""}})) == "@a=b;c CMD");
  CHECK(line_of(msg("src", "CMD", {"p"}, {{"tag", "\\ ;\r\n"}})) ==
        R"(@tag=\\\s\:\r\n :src CMD p)");
}

TEST_CASE("format: NUL, CR and LF cannot start a second line") {
  auto line = format_irc(msg("evil\r\n", "PRIVMSG", {"#c", "hi\r\nQUIT :bye\0"}));
  CHECK(line == ":evil PRIVMSG #c :hiQUIT :bye\r\n");
}

TEST_CASE("tag escaping round trips") {
  for (std::string v : {"", "plain", "a;b c\\d\re\nf", ";;", "\\", " \\s"}) {
    CHECK(unescape_tag_value(escape_tag_value(v)) == v);
  }
  CHECK(escape_tag_value("a;b c\\d\re\nf") == R"(a\:b\sc\\d\re\nf)");
}

TEST_CASE("round trips: parse(format(m)) == m") {
  std::vector<irc_message> messages{
      msg("", "PING", {"token"}),
      msg("dan!d@localhost", "PRIVMSG", {"#chan", "Hey what's up!"}, {{"id", "234AB"}}),
      msg("s", "001", {"dan", "Welcome to the network"}),
      msg("s", "TOPIC", {"#c", ""}),
      msg("s", "PRIVMSG", {"#c", ":-)"}),
      msg("", "CAP", {"LS", "302"}),
      msg("", "CMD", {"1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12", "13", "14",
                      "15 with spaces"}),
      msg("", "TAGMSG", {"#c"}, {{"+typing", "active"}, {"x", "a;b c\\\r\n"}, {"flag", ""}}),
  };
  for (const auto& m : messages) {
    auto line = line_of(m);
    INFO(line);
    CHECK(parse_ok(line) == m);
  }
}

TEST_CASE("round trips: format(parse(line)) == line for canonical lines") {
  for (std::string line :
       {":irc.example.com CAP LS * :multi-prefix extended-join sasl",
        "@id=234AB :dan!d@localhost PRIVMSG #chan :Hey what's up!", "CAP REQ sasl",
        R"(@a=b\\and\nk;c=72\s45;d=gh\:764 FOO)", ":coolguy FOO bar baz :  asdf quux ",
        ":src JOIN #chan", ":s 433 * alice :Nickname is already in use", "AWAY :"}) {
    CHECK(line_of(parse_ok(line)) == line);
  }
}

// --- numerics -------------------------------------------------------------------------------

TEST_CASE("numeric codes are three digits") {
  CHECK(numeric_code(numeric::RPL_WELCOME) == "001");
  CHECK(numeric_code(numeric::RPL_ISUPPORT) == "005");
  CHECK(numeric_code(numeric::RPL_UMODEIS) == "221");
  CHECK(numeric_code(numeric::RPL_LOCALUSERS) == "265");
  CHECK(numeric_code(numeric::RPL_GLOBALUSERS) == "266");
  CHECK(numeric_code(numeric::RPL_ENDOFNAMES) == "366");
  CHECK(numeric_code(numeric::ERR_NICKNAMEINUSE) == "433");
  CHECK(numeric_code(numeric::ERR_USERSDONTMATCH) == "502");
  CHECK(numeric_code(numeric::RPL_SASLMECHS) == "908");
}

TEST_CASE("numeric names and values agree") {
  CHECK(static_cast<int>(numeric::RPL_NAMREPLY) == 353);
  CHECK(static_cast<int>(numeric::RPL_TOPICWHOTIME) == 333);
  CHECK(static_cast<int>(numeric::ERR_INPUTTOOLONG) == 417);
  CHECK(static_cast<int>(numeric::RPL_LOGGEDIN) == 900);
  CHECK(std::string{numeric_name(numeric::ERR_NICKNAMEINUSE)} == "ERR_NICKNAMEINUSE");
  CHECK(std::string{numeric_name(numeric::RPL_WHOISACCOUNT)} == "RPL_WHOISACCOUNT");
}

TEST_CASE("default texts of errors (Modern IRC)") {
  auto text = [](numeric n) { return std::string{numeric_text(n)}; };
  CHECK(text(numeric::ERR_NOSUCHNICK) == "No such nick/channel");
  CHECK(text(numeric::ERR_NOSUCHCHANNEL) == "No such channel");
  CHECK(text(numeric::ERR_CANNOTSENDTOCHAN) == "Cannot send to channel");
  CHECK(text(numeric::ERR_NOTEXTTOSEND) == "No text to send");
  CHECK(text(numeric::ERR_INPUTTOOLONG) == "Input line was too long");
  CHECK(text(numeric::ERR_UNKNOWNCOMMAND) == "Unknown command");
  CHECK(text(numeric::ERR_NONICKNAMEGIVEN) == "No nickname given");
  CHECK(text(numeric::ERR_ERRONEUSNICKNAME) == "Erroneus nickname");
  CHECK(text(numeric::ERR_NICKNAMEINUSE) == "Nickname is already in use");
  CHECK(text(numeric::ERR_NOTONCHANNEL) == "You're not on that channel");
  CHECK(text(numeric::ERR_NOTREGISTERED) == "You have not registered");
  CHECK(text(numeric::ERR_NEEDMOREPARAMS) == "Not enough parameters");
  CHECK(text(numeric::ERR_ALREADYREGISTERED) == "You may not reregister");
  CHECK(text(numeric::ERR_PASSWDMISMATCH) == "Password incorrect");
  CHECK(text(numeric::ERR_BANNEDFROMCHAN) == "Cannot join channel (+b)");
  CHECK(text(numeric::ERR_CHANOPRIVSNEEDED) == "You're not channel operator");
  CHECK(text(numeric::ERR_SASLFAIL) == "SASL authentication failed");
  CHECK(text(numeric::RPL_ENDOFNAMES) == "End of /NAMES list");
  CHECK(text(numeric::RPL_TOPIC).empty());
}

TEST_CASE("every error numeric has a default text") {
  for (auto n : {numeric::ERR_NOSUCHNICK, numeric::ERR_NOSUCHCHANNEL, numeric::ERR_CANNOTSENDTOCHAN,
                 numeric::ERR_NORECIPIENT, numeric::ERR_NOTEXTTOSEND, numeric::ERR_INPUTTOOLONG,
                 numeric::ERR_UNKNOWNCOMMAND, numeric::ERR_NOMOTD, numeric::ERR_NONICKNAMEGIVEN,
                 numeric::ERR_ERRONEUSNICKNAME, numeric::ERR_NICKNAMEINUSE,
                 numeric::ERR_USERNOTINCHANNEL, numeric::ERR_NOTONCHANNEL,
                 numeric::ERR_USERONCHANNEL, numeric::ERR_NOTREGISTERED,
                 numeric::ERR_NEEDMOREPARAMS, numeric::ERR_ALREADYREGISTERED,
                 numeric::ERR_PASSWDMISMATCH, numeric::ERR_KEYSET, numeric::ERR_CHANNELISFULL,
                 numeric::ERR_UNKNOWNMODE, numeric::ERR_INVITEONLYCHAN,
                 numeric::ERR_BANNEDFROMCHAN, numeric::ERR_BADCHANNELKEY,
                 numeric::ERR_BADCHANMASK, numeric::ERR_NOPRIVILEGES,
                 numeric::ERR_CHANOPRIVSNEEDED, numeric::ERR_USERSDONTMATCH, numeric::ERR_SASLFAIL,
                 numeric::ERR_SASLTOOLONG, numeric::ERR_SASLABORTED, numeric::ERR_SASLALREADY}) {
    INFO(numeric_name(n));
    CHECK(std::string{numeric_name(n)}.rfind("ERR_", 0) == 0);
    CHECK_FALSE(std::string{numeric_text(n)}.empty());
  }
}

TEST_CASE("make_numeric: target '*' before the client has a nick") {
  auto m = make_numeric("irc.parley", numeric::ERR_NICKNAMEINUSE, "", {"alice"}, "");
  CHECK(line_of(m) == ":irc.parley 433 * alice :Nickname is already in use");
}

TEST_CASE("make_numeric: nick, middle params and default or given trailing") {
  CHECK(line_of(make_numeric("s", numeric::ERR_NEEDMOREPARAMS, "bob", {"JOIN"}, "")) ==
        ":s 461 bob JOIN :Not enough parameters");
  CHECK(line_of(make_numeric("s", numeric::RPL_WELCOME, "bob", {}, "Welcome to Parley, bob")) ==
        ":s 001 bob :Welcome to Parley, bob");
  CHECK(line_of(make_numeric("s", numeric::ERR_NOTREGISTERED, "", {}, "")) ==
        ":s 451 * :You have not registered");
  CHECK(line_of(make_numeric("s", numeric::RPL_NAMREPLY, "bob", {"=", "#c"}, "@bob alice")) ==
        ":s 353 bob = #c :@bob alice");
  CHECK(line_of(make_numeric("s", numeric::ERR_NORECIPIENT, "bob", {},
                             std::string{numeric_text(numeric::ERR_NORECIPIENT)} +
                                 " (PRIVMSG)")) == ":s 411 bob :No recipient given (PRIVMSG)");
}

TEST_CASE("make_numeric: an empty trailing stays for numerics that have one") {
  CHECK(line_of(make_numeric("s", numeric::RPL_LIST, "bob", {"#c", "3"}, "")) ==
        ":s 322 bob #c 3 :");
  CHECK(line_of(make_numeric("s", numeric::RPL_UMODEIS, "bob", {"+i"}, "")) == ":s 221 bob +i");
  CHECK(line_of(make_numeric("s", numeric::RPL_TOPICWHOTIME, "bob", {"#c", "alice", "1700"},
                             "")) == ":s 333 bob #c alice 1700");
  CHECK(line_of(make_numeric("s", numeric::RPL_CREATIONTIME, "bob", {"#c", "1700"}, "")) ==
        ":s 329 bob #c 1700");
}

// --- names and ban masks --------------------------------------------------------------------
// IRC nicks are user names and IRC channels are rooms: protocol/names decides what is allowed
// and folds case; protocol/irc_masks completes and matches ban masks; protocol/irc_events
// writes masks and channel names.

namespace {

using name = std::optional<std::string>;

/// The rfc1459 casemapping of one byte, as CASEMAPPING=rfc1459 (ISUPPORT) tells clients.
char rfc1459_fold(char c) {
  if (c >= 'A' && c <= 'Z')
    return static_cast<char>(c - 'A' + 'a');
  switch (c) {
    case '[': return '{';
    case ']': return '}';
    case '\\': return '|';
    case '~': return '^';
    default: return c;
  }
}

} // namespace

TEST_CASE("IRC names fold to ASCII lower case, which agrees with CASEMAPPING=rfc1459") {
  using parley::protocol::normalize_user_name;
  CHECK(normalize_user_name("NiCk") == name{"nick"});
  CHECK(normalize_user_name("ABCDEFGHIJKLMNOPQRSTUVWXYZ") == name{"abcdefghijklmnopqrstuvwxyz"});
  CHECK(normalize_user_name("Dan_Away") == normalize_user_name("dAN_aWAY"));
  CHECK(normalize_user_name("dan") != normalize_user_name("dan_"));
  CHECK(normalize_user_name("dan") != normalize_user_name("dam"));
  // rfc1459's four extra letter pairs ([ { ] } \ | ~ ^) and non-ASCII bytes are no name bytes,
  // so the ISUPPORT casemapping and Parley's folding agree on every name there is.
  for (auto refused : {"Dan[away]", "dan{AWAY}", "a\\b~", "A|B^", "\xc3\x89t\xc3\xa9"}) {
    INFO(refused);
    CHECK_FALSE(normalize_user_name(refused));
  }
  for (int byte = 1; byte < 256; ++byte) {
    auto c = static_cast<char>(byte);
    auto n = normalize_user_name(std::string{"a"} + c);
    INFO("byte " << byte);
    if (n)
      CHECK((*n)[1] == rfc1459_fold(c));
    CHECK(n.has_value() == (std::isalnum(byte) != 0 || c == '_' || c == '-'));
  }
}

TEST_CASE("IRC nicks follow the user name rules (protocol/names)") {
  struct row {
    const char* nick;
    name normalised;
  };
  for (const auto& [nick, normalised] : std::initializer_list<row>{
           {"alice", "alice"}, {"Alice", "alice"}, {"a", "a"},       {"[bob]", {}},
           {"b0b", "b0b"},     {"x-y_z", "x-y_z"}, {"^_^", {}},      {"{|}", {}},
           {"`tick`", {}},     {"d.o.t", {}},      {"", {}},         {"al ice", {}},
           {"al,ice", {}},     {"al*ce", {}},      {"al?ce", {}},    {"al!ce", {}},
           {"al@ce", {}},      {"$alice", {}},     {":alice", {}},   {"#alice", {}},
           {"&alice", {}},     {"+alice", {}},     {"1alice", {}},   {"9", {}},
           {"-alice", {}},     {"_alice", {}},     {"al\x01ice", {}}, {"al\x7f", {}},
           {"a-", "a-"}}) {
    INFO(nick);
    CHECK(parley::protocol::normalize_user_name(nick) == normalised);
  }
}

TEST_CASE("nick length: 1..NICKLEN, and NICKLEN is the name rule's limit") {
  using parley::protocol::max_name_length;
  CHECK(parley::protocol::normalize_user_name(std::string(max_name_length, 'a')));
  CHECK_FALSE(parley::protocol::normalize_user_name(std::string(max_name_length + 1, 'a')));
  CHECK(max_name_length == 32); // NICKLEN=32 in the live server's 005 (tests/support/live_server.hpp)
}

TEST_CASE("IRC channels are '#' and a room name (protocol/names, irc_events)") {
  struct row {
    const char* channel;
    name room;
  };
  for (const auto& [channel, room] : std::initializer_list<row>{{"#lobby", "lobby"},
                                                                {"#Lobby", "lobby"},
                                                                {"#a", "a"},
                                                                {"#c++", {}},
                                                                {"#with:colon", {}},
                                                                {"#\xc3\xa9t\xc3\xa9", {}},
                                                                {"##double", {}},
                                                                {"#", {}},
                                                                {"", {}},
                                                                {"&local", {}},
                                                                {"#a b", {}},
                                                                {"#a,b", {}},
                                                                {"#a\x07", {}},
                                                                {"#a\r", {}}}) {
    INFO(channel);
    CHECK(parley::protocol::normalize_room_name(channel) == room);
    if (room)
      CHECK(channel_of(*room) == "#" + *room);
  }
  // CHANNELLEN is the '#' and a room name of at most max_name_length.
  CHECK(parley::protocol::normalize_room_name("#" + std::string(32, 'c')));
  CHECK_FALSE(parley::protocol::normalize_room_name("#" + std::string(33, 'c')));
  CHECK(channel_of("lobby") == "#lobby");
}

TEST_CASE("mask_matches table (protocol/irc_masks)") {
  struct row {
    const char* mask;
    const char* text;
    bool ok;
  };
  for (auto [mask, text, ok] : std::initializer_list<row>{
           {"*", "", true},
           {"*", "anything", true},
           {"", "", true},
           {"", "a", false},
           {"a", "", false},
           {"alice!*@*", "alice!al@host.example", true},
           {"alice!*@*", "bob!al@host.example", false},
           {"*!*@*.example", "bob!b@host.example", true},
           {"*!*@*.example", "bob!b@host.example.org", false},
           {"*!*@host?", "x!y@host1", true},
           {"*!*@host?", "x!y@host", false},
           {"*!*@host?", "x!y@host12", false},
           {"??", "ab", true},
           {"??", "a", false},
           {"a*b*c", "abc", true},
           {"a*b*c", "aXXbYYc", true},
           {"a*b*c", "aXXbYY", false},
           {"*a*a*a*", "aaa", true},
           {"*a*a*a*", "aa", false},
           {"**", "x", true},
           {"ALICE!*@*", "alice!u@h", true}, // ASCII case-insensitive
           {"[dan]!*@*", "{DAN}!u@h", false}, // no rfc1459 pairs: no name holds them
           {"a\\b", "A|B", false},
           {"*~*", "x^y", false},
           {"*?", "", false},
       }) {
    INFO(mask << " vs " << text);
    CHECK(mask_matches(mask, text) == ok);
  }
}

TEST_CASE("mask_matches stays fast on pathological masks") {
  std::string text(2000, 'a');
  CHECK_FALSE(mask_matches("*a*a*a*a*a*a*a*a*a*a*b", text));
  CHECK(mask_matches("*a*a*a*a*a*a*a*a*a*a*", text));
}

TEST_CASE("a star in the mask matches a star in the text as a wildcard") {
  // Found by fuzz_irc: the glob took the mask's '*' as a literal for the text's '*' and could
  // not backtrack, so "*" did not match "*x".
  CHECK(mask_matches("*", "*x"));
  CHECK(mask_matches("a*", "a*x"));
  CHECK(mask_matches("*!*@*", "*!u@h"));
}

TEST_CASE("normalize_mask completes a ban mask and lowers its case") {
  CHECK(normalize_mask("bob") == "bob!*@*");
  CHECK(normalize_mask("Bob") == "bob!*@*");
  CHECK(normalize_mask("*@host") == "*!*@host");
  CHECK(normalize_mask("bob!u") == "bob!u@*");
  CHECK(normalize_mask("Bob!U@Host.Example") == "bob!u@host.example");
  CHECK(normalize_mask("") == "*!*@*");
  // Found by fuzz_irc: an '@' before the '!' left the mask without a host part.
  CHECK(normalize_mask("a@b!c") == "a@b!c@*");
  CHECK(normalize_mask("x@y!z@h") == "x@y!z@h");
}

TEST_CASE("mask_of is nick!nick@host, and ban masks match it") {
  CHECK(mask_of("dan", "localhost") == "dan!dan@localhost");
  CHECK(mask_matches("dan!*@*", mask_of("dan", "example.org")));
  CHECK(mask_matches(normalize_mask("Dan"), mask_of("dan", "parley")));
  CHECK(mask_matches(normalize_mask("*!dan@*"), mask_of("dan", "parley")));
  CHECK_FALSE(mask_matches(normalize_mask("dan"), mask_of("danny", "parley")));
}

// --- ISUPPORT -------------------------------------------------------------------------------

TEST_CASE("isupport tokens from the default config") {
  CHECK(isupport_tokens(isupport_config{}) ==
        strings{"NETWORK=Parley", "NICKLEN=30", "CHANNELLEN=50", "TOPICLEN=307",
                "CASEMAPPING=rfc1459", "CHANTYPES=#", "CHANMODES=b,k,l,imnst", "PREFIX=(ov)@+",
                "MODES=4", "AWAYLEN=200"});
}

TEST_CASE("isupport values are escaped") {
  isupport_config config;
  config.network = "My Net=\\";
  CHECK(isupport_tokens(config).front() == "NETWORK=My\\x20Net\\x3D\\x5C");
  CHECK(escape_isupport_value("plain") == "plain");
}

TEST_CASE("the default config fits one 005 line") {
  auto lines = isupport_lines("irc.parley", "bob", isupport_config{});
  REQUIRE(lines.size() == 1);
  CHECK(line_of(lines[0]) ==
        ":irc.parley 005 bob NETWORK=Parley NICKLEN=30 CHANNELLEN=50 TOPICLEN=307 "
        "CASEMAPPING=rfc1459 CHANTYPES=# CHANMODES=b,k,l,imnst PREFIX=(ov)@+ MODES=4 "
        "AWAYLEN=200 :are supported by this server");
}

TEST_CASE("more than 13 tokens split into several 005 lines") {
  isupport_config config;
  config.extra = {"SAFELIST", "EXCEPTS=e", "INVEX=I", "STATUSMSG=@+", "KICKLEN=255"};
  auto lines = isupport_lines("s", "bob", config);
  REQUIRE(lines.size() == 2);
  CHECK(lines[0].params.size() == 1 + 13 + 1);
  CHECK(lines[1].params ==
        strings{"bob", "STATUSMSG=@+", "KICKLEN=255", "are supported by this server"});
  for (const auto& m : lines) {
    CHECK(m.command == "005");
    CHECK(m.params.size() <= max_irc_params);
    CHECK(format_irc(m).size() <= max_irc_line_bytes);
    CHECK(parse_ok(line_of(m)) == m);
  }
}

TEST_CASE("005 lines also respect the 512 byte limit") {
  isupport_config config;
  for (int i = 0; i < 6; ++i)
    config.extra.push_back("X" + std::to_string(i) + "=" + std::string(100, 'v'));
  auto lines = isupport_lines("s", "bob", config);
  REQUIRE(lines.size() >= 2);
  std::size_t tokens = 0;
  for (const auto& m : lines) {
    CHECK(format_irc(m).size() <= max_irc_line_bytes);
    tokens += m.params.size() - 2;
  }
  CHECK(tokens == 16);
}

TEST_CASE("split_isupport groups in order") {
  strings tokens;
  for (int i = 0; i < 27; ++i)
    tokens.push_back("T" + std::to_string(i));
  auto groups = split_isupport(tokens);
  REQUIRE(groups.size() == 3);
  CHECK(groups[0].size() == 13);
  CHECK(groups[1].size() == 13);
  CHECK(groups[2] == strings{"T26"});
  CHECK(split_isupport(tokens, 5).size() == 6);
  CHECK(split_isupport({}).empty());
}

TEST_CASE("relayed messages are cut to 512 bytes with CRLF, never inside a UTF-8 character") {
  const std::string mask = "alice!alice@parley";
  // What a client may send in one line: "PRIVMSG #lobby :" and 494 bytes of text.
  std::string text(494, 'x');
  auto line = privmsg(mask, "#lobby", text);
  CHECK(line.size() == max_irc_line_bytes);
  CHECK(line == ":" + mask + " PRIVMSG #lobby :" + std::string(510 - 36, 'x') + "\r\n");
  CHECK(notice(mask, "#lobby", text).size() == max_irc_line_bytes);
  auto act = action(mask, "#lobby", text);
  CHECK(act.size() == max_irc_line_bytes);
  CHECK(act.substr(act.size() - 3) == "\x01\r\n"); // the CTCP end survives the cut
  // A short message is untouched.
  CHECK(privmsg(mask, "bob", "hi") == ":alice!alice@parley PRIVMSG bob :hi\r\n");
  // A private CTCP message (as clients send /me to a nick) keeps its closing \x01.
  auto ctcp = privmsg(mask, "bob", "\x01" "ACTION " + std::string(490, 'w') + "\x01");
  CHECK(ctcp.size() == max_irc_line_bytes);
  CHECK(ctcp.substr(ctcp.size() - 3) == "\x01\r\n");
  // The cut never splits a UTF-8 character: with "#lobb" the 474-byte budget falls inside a
  // two-byte "é" (after "x" and 236 of them), inside three-byte "€", and in a four-byte emoji.
  auto text_of = [](const std::string& line) { // the text between " :" and CRLF
    auto from = line.find(" :") + 2;
    return line.substr(from, line.size() - 2 - from);
  };
  for (const std::string character : {"\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x99\x82"}) {
    for (std::size_t lead = 0; lead < character.size(); ++lead) {
      std::string text(lead + 1, 'x');
      while (text.size() < 600)
        text += character;
      auto cut = text_of(privmsg(mask, "#lobb", text));
      INFO("character of " << character.size() << " bytes, " << lead + 1 << " ASCII bytes before");
      CHECK(cut.size() <= 510 - 35);
      CHECK(cut.size() >= 510 - 35 - (character.size() - 1));
      CHECK((cut.size() - (lead + 1)) % character.size() == 0); // whole characters only
    }
  }
  // No room at all for text: an empty text, never a negative budget.
  CHECK(text_of(privmsg(std::string(600, 'm'), "#lobby", "hello")).empty());
}

TEST_CASE("PART, QUIT, KICK, TOPIC and AWAY lines keep to 512 bytes too") {
  const std::string mask = "alice!alice@parley";
  const std::string long_text(600, 'r');
  for (const auto& line : {part(mask, "lobby", long_text), quit(mask, long_text),
                           kick(mask, "#lobby", "bob", long_text),
                           topic(mask, "#lobby", long_text), away(mask, long_text)}) {
    INFO(line.substr(0, 40));
    CHECK(line.size() == max_irc_line_bytes);
    CHECK(line.substr(line.size() - 3) == "r\r\n");
  }
  CHECK(quit(mask, "") == ":alice!alice@parley QUIT :Quit\r\n"); // short lines are unchanged
  CHECK(part(mask, "lobby", "") == ":alice!alice@parley PART #lobby\r\n");
}

TEST_CASE("cut_utf8 keeps whole characters within the limit (TOPICLEN, AWAYLEN)") {
  CHECK(cut_utf8("abc", 5) == "abc");
  CHECK(cut_utf8("abcdef", 3) == "abc");
  CHECK(cut_utf8("ab\xc3\xa9", 3) == "ab");              // "é" would be split
  CHECK(cut_utf8("ab\xe2\x82\xac", 4) == "ab");          // "€" too
  CHECK(cut_utf8("ab\xe2\x82\xac", 5) == "ab\xe2\x82\xac"); // fits whole
}
