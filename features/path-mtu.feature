@mtu
Feature: Path MTU — a link narrower than Ethernet, and the ICMP that tells senders so
  A PPPoE line carries 1492 bytes, not 1500. A router sends a packet too big for its next link back as
  ICMP "fragmentation needed" when the packet says Don't Fragment, as every TCP segment does (RFC 1191);
  the sender then shrinks what it sends. A firewall that drops that ICMP makes a PMTU black hole: small
  messages pass, full-size segments vanish without a word. alice's INVITE is padded to 1800 bytes and goes
  over SIP/TCP, so it needs full-size segments; her REGISTER does not.
  `linkMtu` sets one link end's MTU (a node's own interface on a network), `mtu` on a network every
  interface on it; `fragNeeded: drop` on a nat-router's firewall silences the ICMP.

  @waits
  Scenario: a PPPoE router whose firewall drops "fragmentation needed": alice registers, her large INVITE never arrives
    Given the "baseline" topology is running with:
      | nodes.nat1.linkMtu         | { internet: 1492 }   |
      | nodes.nat1.firewall        | { fragNeeded: drop } |
      | nodes.alice.sdpPadding     | 1800                 |
      | nodes.alice.sip.transport  | tcp                  |
    And alice and bob are registered
    Then nat1's link on internet has MTU 1492
    And kamailio's link on internet has MTU 1500
    When alice calls bob
    Then the call gets no response, after about 32 seconds
    And the SIP server never saw alice's INVITE
    And the firewall on nat1 dropped frag-needed

  Scenario: control — the same router with "fragmentation needed" let through: alice's TCP shrinks its segments
    Given the "baseline" topology is running with:
      | nodes.nat1.linkMtu         | { internet: 1492 } |
      | nodes.alice.sdpPadding     | 1800               |
      | nodes.alice.sip.transport  | tcp                |
    And alice and bob are registered
    When alice calls bob
    Then the call is established within 3 seconds

  Scenario: control — the same firewall with no narrow link: nothing is too big, nothing is lost
    Given the "baseline" topology is running with:
      | nodes.nat1.firewall        | { fragNeeded: drop } |
      | nodes.alice.sdpPadding     | 1800                 |
      | nodes.alice.sip.transport  | tcp                  |
    And alice and bob are registered
    When alice calls bob
    Then the call is established within 3 seconds

  Scenario: mitigation — the router clamps TCP's MSS to its WAN (1452 = 1492 − 40), as PPPoE routers do
    Given the "baseline" topology is running with:
      | nodes.nat1.linkMtu         | { internet: 1492 }   |
      | nodes.nat1.firewall        | { fragNeeded: drop } |
      | nodes.nat1.tcpMss          | 1452                 |
      | nodes.alice.sdpPadding     | 1800                 |
      | nodes.alice.sip.transport  | tcp                  |
    And alice and bob are registered
    When alice calls bob
    Then the call is established within 3 seconds

  Scenario: mitigation — the provider's end of the narrow segment is narrow too: its SYN-ACK's MSS keeps alice's segments small
    Only nat1's end was at 1492 above. A segment whose every interface is at 1492 (a network's mtu) makes
    the provider advertise MSS 1452, and no segment is ever too big: no ICMP is needed.
    Given the "baseline" topology is running with:
      | networks.internet.mtu      | 1492                 |
      | nodes.nat1.firewall        | { fragNeeded: drop } |
      | nodes.alice.sdpPadding     | 1800                 |
      | nodes.alice.sip.transport  | tcp                  |
    And alice and bob are registered
    Then nat1's link on internet has MTU 1492
    And kamailio's link on internet has MTU 1492
    When alice calls bob
    Then the call is established within 3 seconds
