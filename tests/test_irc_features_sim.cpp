
TEST_CASE("a member kicked after a line was sent is not owed it, one never kicked is",
          "[sim][irc][oracle]") {
  for (bool kicked : {false, true}) {
    hand_made h;
    auto& alice = h.add("alice", "alice");
    auto& carol = h.add("carol", "carol");
    h.server_says(alice, ":parley.local 001 alice :Welcome");
    h.server_says(alice, ":alice!alice@parley JOIN #lobby");
    h.server_says(carol, ":parley.local 001 carol :Welcome");
    h.server_says(carol, ":carol!carol@parley JOIN #lobby");
    h.say(alice, "lobby", "m0.3");
    // Alice synchronises on her line: the server answers her PING (it does before registration).
    alice.probes.push_back({alice.endpoint->sent().size(), {}, 0, "p0.4"});
    alice.endpoint->send_line("PING p0.4");
    h.w.run_until(h.w.now() + 100ms);
    REQUIRE(alice.endpoint->has_line(":parley.local PONG parley.local p0.4"));
    // Carol never got m0.3. Kicked after alice's PONG, she may have been kicked before the room
    // handled it (her KICK comes on her own connection); never kicked, she lost it.
    if (kicked)
      h.server_says(carol, ":alice!alice@parley KICK #lobby carol :behave");
    auto v = h.verdict();
    INFO((v.empty() ? std::string{"no violation"} : v.front()));
    CHECK(any_contains(v, "carol (carol) never received m0.3 sent to lobby") == !kicked);
    if (kicked)
      CHECK(v.empty());
  }
}
