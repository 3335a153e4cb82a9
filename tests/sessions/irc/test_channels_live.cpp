// IRC conformance tests of the live server (tests/support/live_server.hpp): channels
// (sessions/irc/channels.cpp): JOIN and PART, PRIVMSG and NOTICE (also between the line
// protocol and IRC), NAMES, WHO, LIST, TOPIC, KICK and INVITE.
#include <catch2/catch.hpp>

#include <chrono>
#include <string>

#include "tests/support/live_server.hpp"

using namespace std::chrono_literals;
using namespace parley::test::live;
using parley::test::tcp_client;

// --- JOIN and PART ---

TEST_CASE("JOIN one channel: own JOIN echo, 331, 353, 366 and members see the JOIN", "[irc]") {
  live_server srv;
  irc_user alice{srv, "alice"}, bob{srv, "bob"};
  sync(alice, "not-in-lobby-yet"); // IRC clients start in no channel
  create(alice, "alice", "#lobby");
  bob.send_line("JOIN #Lobby");
  expect_join(bob, "bob", "#lobby", "@alice bob");
  alice.expect_line(M("bob") + " JOIN #lobby");
  bob.send_line("JOIN #lobby"); // already there: nothing
  sync(bob);
  bob.send_line("JOIN lobby");
  bob.expect_line(S("403 bob lobby :No such channel"));
  bob.send_line("JOIN #9lives"); // '#' and no valid room name
  bob.expect_line(S("476 bob #9lives :Bad Channel Mask"));
  sync(alice);
}

TEST_CASE("JOIN several channels in one line, in order", "[irc]") {
  live_server srv;
  irc_user alice{srv, "alice"}, bob{srv, "bob"};
  create(bob, "bob", "#games");
  alice.send_line("JOIN #lobby,#games,bad,#music");
  expect_join(alice, "alice", "#lobby", "@alice");
  expect_join(alice, "alice", "#games", "alice @bob");
  alice.expect_line(S("403 alice bad :No such channel"));
  expect_join(alice, "alice", "#music", "@alice");
  bob.expect_line(M("alice") + " JOIN #games");
  sync(alice);
  sync(bob);
}

TEST_CASE("JOIN 0 parts every channel", "[irc]") {
  live_server srv;
  irc_user alice{srv, "alice"}, bob{srv, "bob"};
  create(bob, "bob", "#lobby");
  alice.send_line("JOIN #lobby,#games");
  expect_join(alice, "alice", "#lobby", "alice @bob");
  expect_join(alice, "alice", "#games", "@alice");
  bob.expect_line(M("alice") + " JOIN #lobby");
  alice.send_line("JOIN 0");
  alice.expect_line(M("alice") + " PART #games");
  alice.expect_line(M("alice") + " PART #lobby");
  bob.expect_line(M("alice") + " PART #lobby");
  alice.send_line("PRIVMSG #lobby :still here?");
  alice.expect_line(S("404 alice #lobby :Cannot send to channel"));
  sync(bob);
}

TEST_CASE("PART with and without a reason, and 442", "[irc]") {
  live_server srv;
  line_user carol{srv, "carol"};
  irc_user alice{srv, "alice"}, bob{srv, "bob"};
  join_seen(alice, "alice", "#lobby", "alice @carol", {}, {&carol});
  join_seen(bob, "bob", "#lobby", "alice bob @carol", {&alice}, {&carol});

  change_seen(alice, "alice", "PART #lobby :gone for lunch", {&bob});
  carol.expect_line("[lobby] *** alice left (gone for lunch)");
  alice.send_line("PART #lobby");
  alice.expect_line(S("442 alice #lobby :You're not on that channel"));
  alice.send_line("PART lobby");
  alice.expect_line(S("403 alice lobby :No such channel"));

  bob.send_line("PART #LOBBY");
  bob.expect_line(M("bob") + " PART #lobby");
  carol.expect_line("[lobby] *** bob left");
  carol.send_line("/who");
  carol.expect_line("*** Members of lobby (1): carol");
  sync(alice);
}

// --- Messages ---

TEST_CASE("PRIVMSG and NOTICE to a channel, to a nick, and to several targets", "[irc]") {
  live_server srv;
  irc_user alice{srv, "alice"}, bob{srv, "bob"}, dave{srv, "dave"};
  create(alice, "alice", "#lobby");
  join_seen(bob, "bob", "#lobby", "@alice bob", {&alice});

  alice.send_line("PRIVMSG #lobby :hello everyone");
  bob.expect_line(M("alice") + " PRIVMSG #lobby :hello everyone");
  alice.send_line("PRIVMSG #Lobby hi"); // one-word text without ':'
  bob.expect_line(M("alice") + " PRIVMSG #lobby :hi");
  alice.send_line("NOTICE #lobby :a notice");
  bob.expect_line(M("alice") + " NOTICE #lobby :a notice");
  sync(alice, "no-echo"); // no echo without echo-message

  alice.send_line("PRIVMSG Dave :psst");
  dave.expect_line(M("alice") + " PRIVMSG dave :psst");
  alice.send_line("PRIVMSG #lobby,dave :to both");
  bob.expect_line(M("alice") + " PRIVMSG #lobby :to both");
  dave.expect_line(M("alice") + " PRIVMSG dave :to both");
  alice.send_line("PRIVMSG nobody,dave,#elsewhere :mixed");
  alice.expect_line(S("401 alice nobody :No such nick/channel"));
  dave.expect_line(M("alice") + " PRIVMSG dave :mixed");
  alice.expect_line(S("403 alice #elsewhere :No such channel")); // no one is in it
  alice.send_line("PRIVMSG ,dave,,#lobby, :empty items skipped"); // stray commas name no one
  dave.expect_line(M("alice") + " PRIVMSG dave :empty items skipped");
  bob.expect_line(M("alice") + " PRIVMSG #lobby :empty items skipped");
  sync(alice);
  sync(bob);
  sync(dave);
}

TEST_CASE("401, 404, 411 and 412 for PRIVMSG but NOTICE never gets an error reply", "[irc]") {
  live_server srv;
  irc_user alice{srv, "alice"}, bob{srv, "bob"};
  create(bob, "bob", "#lobby");
  alice.send_line("PRIVMSG nobody :hi");
  alice.expect_line(S("401 alice nobody :No such nick/channel"));
  alice.send_line("PRIVMSG no.such :hi");
  alice.expect_line(S("401 alice no.such :No such nick/channel"));
  alice.send_line("PRIVMSG #lobby :not joined"); // +n by default
  alice.expect_line(S("404 alice #lobby :Cannot send to channel"));
  alice.send_line("PRIVMSG #void :no such channel");
  alice.expect_line(S("403 alice #void :No such channel"));
  alice.send_line("PRIVMSG");
  alice.expect_line(S("411 alice :No recipient given (PRIVMSG)"));
  alice.send_line("PRIVMSG bob");
  alice.expect_line(S("412 alice :No text to send"));
  alice.send_line("PRIVMSG bob :");
  alice.expect_line(S("412 alice :No text to send"));

  alice.send_line("NOTICE nobody :hi");
  alice.send_line("NOTICE no.such :hi");
  alice.send_line("NOTICE #lobby :not joined");
  alice.send_line("NOTICE #void :no such channel");
  alice.send_line("NOTICE");
  alice.send_line("NOTICE bob");
  alice.send_line("NOTICE bob :");
  sync(alice, "no-errors");
  sync(bob, "nothing-delivered");
}

TEST_CASE("a NOTICE to a nick arrives as a NOTICE", "[irc]") {
  // Bug: the directory renders every private message as PRIVMSG (actors/directory.cpp,
  // send_private), so a NOTICE to a nick reaches the recipient as a PRIVMSG, which bots and
  // clients may answer (NOTICE exists so that they never do).
  live_server srv;
  irc_user alice{srv, "alice"}, bob{srv, "bob"};
  alice.send_line("NOTICE bob :just so you know");
  bob.expect_line(M("alice") + " NOTICE bob :just so you know", 2000ms);
}

TEST_CASE("CTCP ACTION from IRC is an action for line-protocol and IRC members", "[irc]") {
  live_server srv;
  line_user carol{srv, "carol"};
  irc_user alice{srv, "alice"}, bob{srv, "bob"};
  join_seen(alice, "alice", "#lobby", "alice @carol", {}, {&carol});
  join_seen(bob, "bob", "#lobby", "alice bob @carol", {&alice}, {&carol});

  alice.send_line("PRIVMSG #lobby :\x01" "ACTION waves at everyone\x01");
  carol.expect_line("[lobby] * alice waves at everyone");
  bob.expect_line(M("alice") + " PRIVMSG #lobby :\x01" "ACTION waves at everyone\x01");
  // A /me from the line protocol reaches IRC as CTCP ACTION.
  carol.send_line("/me waves back");
  alice.expect_line(M("carol") + " PRIVMSG #lobby :\x01" "ACTION waves back\x01");
  bob.expect_line(M("carol") + " PRIVMSG #lobby :\x01" "ACTION waves back\x01");
  sync(alice);
}

TEST_CASE("line protocol and IRC see each other's lines, joins, parts and private messages",
          "[irc]") {
  live_server srv;
  line_user carol{srv, "carol"};
  irc_user alice{srv, "alice"};
  join_seen(alice, "alice", "#lobby", "alice @carol", {}, {&carol});

  carol.send_line("hello from the line protocol");
  alice.expect_line(":carol!carol@parley PRIVMSG #lobby :hello from the line protocol");
  alice.send_line("PRIVMSG #lobby :hello from IRC");
  carol.expect_line("[lobby] alice: hello from IRC");

  carol.send_line("/msg alice a private word");
  carol.expect_line("[private to alice] a private word");
  alice.expect_line(":carol!carol@parley PRIVMSG alice :a private word");
  alice.send_line("PRIVMSG carol :private answer");
  carol.expect_line("[private] alice: private answer");

  line_user dave{srv, "dave"};
  alice.expect_line(M("dave") + " JOIN #lobby");
  carol.expect_line("[lobby] *** dave joined");
  dave.send_line("/join games");
  dave.expect_line("*** You are in games (1 member: dave).");
  alice.expect_line(M("dave") + " PART #lobby");
  carol.expect_line("[lobby] *** dave left");
  carol.send_line("/quit time to go");
  carol.expect_line("*** Goodbye.");
  alice.expect_line(M("carol") + " QUIT :time to go");
  sync(alice);
}

// --- NAMES, WHO and LIST ---

TEST_CASE("NAMES and WHO list the channel's members", "[irc]") {
  live_server srv;
  line_user carol{srv, "carol"};
  irc_user alice{srv, "alice"};
  join(alice, "alice", "#lobby", "alice @carol");
  names(alice, "alice", "#lobby", "alice @carol");
  alice.send_line("NAMES #games"); // only your own channels are listed
  alice.expect_line(S("366 alice #games :End of /NAMES list"));
  who(alice, "alice", "#lobby", {{"alice", "H"}, {"carol", "H@"}});
  alice.send_line("WHO #games");
  alice.expect_line(S("315 alice #games :End of WHO list"));
  sync(alice);
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

TEST_CASE("LIST shows every room with its member count", "[irc]") {
  live_server srv;
  line_user carol{srv, "carol"};
  irc_user alice{srv, "alice"};
  list(alice, "alice", {{"#lobby", 1, ""}});
  alice.send_line("JOIN #lobby,#games");
  expect_join(alice, "alice", "#lobby", "alice @carol");
  expect_join(alice, "alice", "#games", "@alice");
  list(alice, "alice", {{"#games", 1, ""}, {"#lobby", 2, ""}});
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

// --- TOPIC ---

TEST_CASE("TOPIC: query gives 331, then 332/333 once an op set it, 482 for others, 403 for "
          "a channel that does not exist", "[irc]") {
  live_server srv;
  irc_user alice{srv, "alice"}, bob{srv, "bob"};
  alice.send_line("TOPIC #lobby");
  alice.expect_line(S("403 alice #lobby :No such channel"));
  create(alice, "alice", "#lobby");
  join_seen(bob, "bob", "#lobby", "@alice bob", {&alice});
  alice.send_line("TOPIC #lobby");
  alice.expect_line(S("331 alice #lobby :No topic is set"));
  bob.send_line("TOPIC #lobby :not an op"); // +t by default
  bob.expect_line(S("482 bob #lobby :You're not channel operator"));
  auto before = unix_now();
  change_seen(alice, "alice", "TOPIC #lobby :a new topic", {&bob});
  auto after = unix_now();
  bob.send_line("TOPIC #lobby");
  bob.expect_line(S("332 bob #lobby :a new topic"));
  expect_topic_whotime(bob, "bob", "#lobby", "alice", before, after);
}

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

// --- KICK and INVITE ---

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
