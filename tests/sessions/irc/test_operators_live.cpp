// IRC conformance tests of the live server (tests/support/live_server.hpp): server operators
// (sessions/irc/operators.cpp): OPER, an operator's powers in channels, KILL, and MODE -o.
#include <catch2/catch.hpp>

#include <chrono>
#include <string>

#include "tests/support/live_server.hpp"

using namespace std::chrono_literals;
using namespace parley::test::live;
using parley::test::tcp_client;

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
