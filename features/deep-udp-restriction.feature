@dpi
Feature: Deep UDP restriction — firewalls that block UDP, and DPI that spots UDP framed by TCP
  alice sits behind nat1, which each scenario turns into a corporate firewall; bob is behind a home NAT
  (nat2). WebRTC scenarios use the "webrtc" topology, classic SIP ones the "sip-alg" topology.
  With UDP blocked, the offer waits out alice's ICE gathering timeout (3 s): her STUN requests get no
  answer. That, not SIP, is why those calls take longer to set up.

  Scenario: UDP blocked, TURN over TCP available: the call connects over a TCP relay
    Given the "webrtc" topology is running with:
      | nodes.nat1.firewall | { udp: block }                     |
      | nodes.alice.ice     | { server: turn, turn: [udp, tcp] } |
    And alice and bob are registered
    When alice calls bob
    Then the call is established within 6 seconds
    And ICE reaches "connected" within 10 seconds
    And alice's selected candidate pair is relay over tcp
    And audio flows both ways for 3 seconds
    And the firewall on nat1 dropped udp-block

  @waits
  Scenario: DPI on STUN in TCP: SIP answers 200 OK, but ICE fails and no media flows
    Given the "webrtc" topology is running with:
      | nodes.nat1.firewall | { udp: block, block: [stun-tcp] }  |
      | nodes.alice.ice     | { server: turn, turn: [udp, tcp] } |
    And alice and bob are registered
    When alice calls bob
    Then the call is established within 6 seconds
    And the call fails at ICE within 20 seconds
    And no media flows for 2 seconds
    And the firewall on nat1 dropped stun-tcp

  Scenario: mitigation — TURN over TLS on 443, which the DPI cannot read
    Given the "webrtc" topology is running with:
      | nodes.nat1.firewall | { udp: block, block: [stun-tcp] } |
      | nodes.alice.ice     | { server: turn, turn: [tls] }     |
    And alice and bob are registered
    When alice calls bob
    Then the call is established within 6 seconds
    And ICE reaches "connected" within 10 seconds
    And alice's selected candidate pair is relay over tls
    And audio flows both ways for 3 seconds

  Scenario: mitigation — the provider's TURN server on the allowlist: UDP media works again
    Given the "webrtc" topology is running with:
      | nodes.nat1.firewall | { udp: block, block: [stun-tcp, stun-udp], allow: [turn] } |
      | nodes.alice.ice     | { server: turn, turn: [udp, tcp] }                          |
    And alice and bob are registered
    When alice calls bob
    Then the call is established within 3 seconds
    And ICE reaches "connected" within 10 seconds
    And alice's selected candidate pair is relay over udp
    And audio flows both ways for 3 seconds

  @alone
  Scenario: late verdict: ICE connects and audio flows over TURN/UDP, then the classified flow is cut
    The flow is cut after 250 packets (about 5 s in). libwebrtc then calls the connection disconnected
    about 5 s later and ICE failed about 10 s after that (18.5 and 20.5 s after the peer connection was
    made, measured 2026-12-07), often without passing through "disconnected": hence 30 s.
    Given the "webrtc" topology is running with:
      | nodes.nat1.firewall | { lateBlock: { signatures: [stun-udp], afterPackets: 250 } } |
      | nodes.alice.ice     | { server: turn, turn: [udp], policy: relay }                |
    And alice and bob are registered
    When alice calls bob
    Then the call is established within 3 seconds
    And ICE reaches "connected" within 5 seconds
    And audio flows both ways for 2 seconds
    And audio stops within 10 seconds
    And ICE reaches "disconnected" or "failed" within 30 seconds
    And the firewall on nat1 dropped late-verdict

  @waits
  Scenario: classic SIP over UDP behind a UDP block: registration gets no response
    Given the "sip-alg" topology is running with:
      | nodes.nat1.firewall | { udp: block } |
    Then alice fails to register with no-response
    And the firewall on nat1 dropped udp-block

  Scenario: SIP over TLS registers and the call is answered, but plain RTP cannot cross
    Given the "sip-alg" topology is running with:
      | nodes.nat1.firewall       | { udp: block } |
      | nodes.alice.sip.transport | tls            |
      | nodes.alice.rtpTimeout    | 3              |
    And alice and bob are registered
    When alice calls bob
    Then the call is established within 3 seconds
    And no media flows for 3 seconds
    And the call fails with no media within 5 seconds
    And the firewall on nat1 dropped udp-block

  Scenario: mitigation — the provider on the allowlist: the same call has audio
    Given the "sip-alg" topology is running with:
      | nodes.nat1.firewall       | { udp: block, allow: [kamailio, bob] } |
      | nodes.alice.sip.transport | tls                                    |
    And alice and bob are registered
    When alice calls bob
    Then the call is established within 3 seconds
    And audio flows both ways for 3 seconds

  @alone
  Scenario: media over TCP under loss: the UDP relay call loses packets, the TCP relay call turns them into retransmissions
    With 20 ms of delay and 3 % loss each way on nat1's WAN, the UDP relay call loses about 3 % of its
    packets; the TCP relay call loses none, because each lost segment is sent again (and holds back what
    is behind it: that cost shows as delay, whose size on these machines the userspace impairment engine's
    own lateness hides, so it is not compared here; RELIABILITY.md).
    Given the "webrtc" topology is running with:
      | nodes.nat1.impair | { internet: { both: { delay: { ms: 20 }, loss: { random: 3 } } } } |
    And alice and bob are registered
    And alice uses only relay candidates over udp
    When alice calls bob
    Then ICE reaches "connected" within 10 seconds
    When the call's media quality is measured for 10 seconds as "relay over udp"
    And alice hangs up
    And alice uses only relay candidates over tcp
    And alice calls bob
    Then ICE reaches "connected" within 10 seconds
    And alice's selected candidate pair is relay over tcp
    When the call's media quality is measured for 10 seconds as "relay over tcp"
    Then "relay over tcp" loses fewer packets than "relay over udp" at alice and bob

  @waits
  Scenario: a firewall that drops IP fragments: a large INVITE over UDP never arrives, calls time out
    The phone's own kernel fragments a UDP message larger than its link's MTU; the firewall drops every
    fragment before reassembly. REGISTER, which is small, still works.
    Given the "baseline" topology is running with:
      | nodes.nat1.firewall    | { fragments: drop } |
      | nodes.alice.sdpPadding | 1800                |
    And alice and bob are registered
    When alice calls bob
    Then the call gets no response, after about 32 seconds
    And the SIP server never saw alice's INVITE
    And the firewall on nat1 dropped fragments

  Scenario: mitigation — SIP over TCP: the INVITE crosses in segments, not fragments
    Given the "baseline" topology is running with:
      | nodes.nat1.firewall       | { fragments: drop } |
      | nodes.alice.sdpPadding    | 1800                |
      | nodes.alice.sip.transport | tcp                 |
    And alice and bob are registered
    When alice calls bob
    Then the call is established within 3 seconds
    And audio flows both ways for 3 seconds

  Scenario: an app configured with TURN over UDP, TCP and TLS behind a UDP block: the relay is reached over TCP or TLS
    Which of the two libwebrtc keeps is its own choice; the network's part is that UDP never works.
    Given the "webrtc" topology is running with:
      | nodes.nat1.firewall | { udp: block } |
    And alice and bob are registered
    When alice calls bob
    Then the call is established within 6 seconds
    And ICE reaches "connected" within 10 seconds
    And alice's selected candidate pair is relay over tcp or tls
    And audio flows both ways for 3 seconds
    And the firewall on nat1 dropped udp-block
