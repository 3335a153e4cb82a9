// The channel-mode table and what is derived from it (protocol/channel_modes), the rooms'
// neutral settings and ban matcher (protocol/room_settings), and the one rendering of a room
// event per protocol (text::render_line, irc::render_irc), byte for byte.
#include <catch2/catch.hpp>

#include <set>

#include "protocol/channel_modes.hpp"
#include "protocol/irc_events.hpp"
#include "protocol/irc_isupport.hpp"
#include "protocol/line_text.hpp"
#include "protocol/room_event.hpp"

using namespace parley;
using namespace parley::protocol::irc;
using parley::protocol::event_kind;
using parley::protocol::room_event;
using strings = std::vector<std::string>;

TEST_CASE("channel modes: the ISUPPORT and 004 letters come from the table") {
  CHECK(chanmodes_token() == "b,k,l,imnst");
  CHECK(prefix_token() == "(ov)@+");
  CHECK(channel_mode_letters() == "biklmnostv");
  CHECK(isupport_config{}.chanmodes == chanmodes_token());
  CHECK(isupport_config{}.modes == max_mode_args);
  CHECK(prefix_of(room_setting::op) == '@');
  CHECK(prefix_of(room_setting::voice) == '+');
  CHECK(prefix_of(room_setting::moderated) == 0);
}

TEST_CASE("channel modes: one letter per setting, in letter order") {
  std::set<room_setting> seen;
  char last = 0;
  for (const auto& m : channel_modes) {
    CHECK(m.letter > last);
    last = m.letter;
    CHECK(m.setting != room_setting::unknown);
    CHECK(seen.insert(m.setting).second);
    CHECK(find_channel_mode(m.letter) == &m);
    CHECK(find_channel_mode(m.setting) == &m);
    CHECK(letter_of(m.setting) == m.letter);
  }
  CHECK(seen.size() == 10); // every room_setting but unknown
  CHECK(find_channel_mode('z') == nullptr);
  CHECK(find_channel_mode(room_setting::unknown) == nullptr);
}

TEST_CASE("channel modes: which letters take an argument") {
  for (char c : std::string{"bkov"}) {
    CHECK(takes_argument(c, true));
    CHECK(takes_argument(c, false));
  }
  CHECK(takes_argument('l', true));
  CHECK_FALSE(takes_argument('l', false));
  for (char c : std::string{"imnstz+"}) {
    CHECK_FALSE(takes_argument(c, true));
    CHECK_FALSE(takes_argument(c, false));
  }
  static_assert(takes_argument('k', false) && !takes_argument('n', true), "usable at compile time");
}

TEST_CASE("channel modes: parsing a MODE line's changes") {
  auto c = parse_mode_changes("+o-v+l-lz", strings{"bob", "carol", "5", "extra"});
  REQUIRE(c.size() == 5);
  CHECK((c[0].add && c[0].setting == room_setting::op && c[0].arg == "bob"));
  CHECK((!c[1].add && c[1].setting == room_setting::voice && c[1].arg == "carol"));
  CHECK((c[2].add && c[2].setting == room_setting::limit && c[2].arg == "5"));
  CHECK((!c[3].add && c[3].setting == room_setting::limit && c[3].arg.empty()));
  // An unknown letter keeps its spelling, so that the refusal can name it (472).
  CHECK((!c[4].add && c[4].setting == room_setting::unknown && c[4].arg == "z"));

  auto list = parse_mode_changes("b", {}); // no argument: asks for the ban list
  REQUIRE(list.size() == 1);
  CHECK((list[0].add && list[0].setting == room_setting::ban && list[0].arg.empty()));

  // MODES=4: a fifth change with an argument ends the line.
  auto capped = parse_mode_changes("+vvvvvn", strings{"a", "b", "c", "d", "e"});
  CHECK(capped.size() == 4);
}

TEST_CASE("channel modes: changes made are spelled as a MODE line shows them") {
  std::vector<mode_change> done{{true, room_setting::op, "bob"},
                                {false, room_setting::voice, "carol"},
                                {false, room_setting::key, "*"},
                                {false, room_setting::limit, ""},
                                {true, room_setting::moderated, ""}};
  auto s = spell_modes(done);
  CHECK(s.letters == "+o-vkl+m");
  CHECK(s.args == strings{"bob", "carol", "*"});
}

TEST_CASE("channel modes: 324 shows the settings that are on, in letter order") {
  room_modes m;
  CHECK(mode_params(m, true) == strings{"+nt"});
  m.invite_only = m.moderated = m.secret = true;
  m.key = "sesame";
  m.limit = 12;
  CHECK(mode_params(m, true) == strings{"+iklmnst", "sesame", "12"});
  CHECK(mode_params(m, false) == strings{"+iklmnst", "*", "12"});
  m = {};
  m.no_outside = m.topic_lock = false;
  CHECK(mode_params(m, false) == strings{"+"});
}

TEST_CASE("room settings: flags, names and ban masks") {
  room_modes m;
  CHECK(flag_of(m, room_setting::secret) == &m.secret);
  CHECK(flag_of(m, room_setting::key) == nullptr);
  CHECK(is_on(m, room_setting::no_outside));
  CHECK_FALSE(is_on(m, room_setting::limit));
  CHECK(to_string(room_setting::topic_lock) == "topic_lock");
  CHECK(to_string(room_setting::unknown) == "unknown");

  CHECK(ban_mask{"Bob"}.str() == "bob!*@*");
  CHECK(ban_mask{"*@host"}.str() == "*!*@host");
  CHECK(ban_mask{"bob!u"}.str() == "bob!u@*");
  CHECK(ban_mask{"user1*"}.matches("User12!user12@parley"));
  CHECK_FALSE(ban_mask{"user1*"}.matches("user2!user2@parley"));
  CHECK(ban_mask{"BOB"} == ban_mask{"bob!*@*"});
}

TEST_CASE("room events: one rendering per protocol") {
  using parley::protocol::text::render_line;
  const std::string mask = "alice!alice@parley";
  auto both = [](const room_event& ev) { return strings{render_line(ev), render_irc(ev)}; };

  CHECK(both({event_kind::said, "lobby", "alice", mask, "", "hi"}) ==
        strings{"[lobby] alice: hi\r\n", ":alice!alice@parley PRIVMSG #lobby :hi\r\n"});
  CHECK(both({event_kind::acted, "lobby", "alice", mask, "", "waves"}) ==
        strings{"[lobby] * alice waves\r\n",
                ":alice!alice@parley PRIVMSG #lobby :\x01" "ACTION waves\x01\r\n"});
  CHECK(both({event_kind::noticed, "lobby", "alice", mask, "", "psst"}) ==
        strings{"[lobby] alice: psst\r\n", ":alice!alice@parley NOTICE #lobby :psst\r\n"});
  CHECK(both({event_kind::joined, "dev", "alice", mask, ""}) ==
        strings{"[dev] *** alice joined\r\n", ":alice!alice@parley JOIN #dev\r\n"});
  CHECK(both({event_kind::parted, "dev", "alice", mask, "", "bye"}) ==
        strings{"[dev] *** alice left (bye)\r\n", ":alice!alice@parley PART #dev :bye\r\n"});
  CHECK(both({event_kind::quit, "dev", "alice", mask, ""}) ==
        strings{"[dev] *** alice quit\r\n", ":alice!alice@parley QUIT :Quit\r\n"});
  CHECK(both({event_kind::topic_set, "dev", "alice", mask, "", ""}) ==
        strings{"[dev] *** alice cleared the topic\r\n", ":alice!alice@parley TOPIC #dev :\r\n"});
  CHECK(both({event_kind::kicked, "dev", "alice", mask, "", "spam", "bob"}) ==
        strings{"[dev] *** bob was kicked by alice (spam)\r\n",
                ":alice!alice@parley KICK #dev bob :spam\r\n"});
  CHECK(both({event_kind::renamed, "dev", "alice", mask, "", "", "alicia"}) ==
        strings{"[dev] *** alice is now alicia\r\n", ":alice!alice@parley NICK alicia\r\n"});
  CHECK(both({event_kind::away, "dev", "alice", mask, "", "lunch"}) ==
        strings{"", ":alice!alice@parley AWAY :lunch\r\n"});
  CHECK(both({event_kind::private_said, "", "alice", mask, "", "hey", "bob"}) ==
        strings{"[private] alice: hey\r\n", ":alice!alice@parley PRIVMSG bob :hey\r\n"});

  std::vector<mode_change> done{{true, room_setting::op, "bob"}, {true, room_setting::secret, ""}};
  room_event modes{event_kind::modes_set, "dev", "alice", mask, ""};
  modes.changes = &done;
  CHECK(both(modes) == strings{"[dev] *** alice sets mode +os bob\r\n",
                               ":alice!alice@parley MODE #dev +os bob\r\n"});
}
