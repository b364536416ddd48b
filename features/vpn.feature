@vpn
Feature: VPNs — latency, loss, fragments and NAT timing that a tunnel adds to calls
  alice's office LAN reaches the internet through "office", a site gateway with a real OpenVPN 2.6 tunnel to
  the concentrator "vpn" (full tunnel unless a scenario says otherwise: the provider sees the concentrator's
  address). Impairments sit on the underlay, between office and the concentrator, as a distant hairpin would.

  @alone
  Scenario: a full tunnel through a distant concentrator: the call connects, but the path falls below good quality
    Given the "vpn" topology is running with:
      | nodes.office.impair | { internet: { egress: { match: { to: vpn }, delay: { ms: 150, jitter: 20 }, loss: { random: 5 } }, ingress: { match: { from: vpn }, delay: { ms: 150, jitter: 20 }, loss: { random: 5 } } } } |
    And alice and bob are registered
    Then the SIP server saw alice's REGISTER arrive from vpn's public address
    When alice calls bob
    Then the call is established within 5 seconds
    When alice sends 500 UDP packets to bob, 20 ms apart
    Then their median one-way delay is 150 ms, within 5 ms
    And the path's MOS estimate is below 4.0

  @alone
  Scenario: mitigation — a split tunnel that leaves the provider out: back to baseline quality
    Given the "vpn" topology is running with:
      | nodes.office.mode   | split                                                                                                                                                                                   |
      | nodes.office.routes | [10.99.0.0/16]                                                                                                                                                                           |
      | nodes.office.impair | { internet: { egress: { match: { to: vpn }, delay: { ms: 150, jitter: 20 }, loss: { random: 5 } }, ingress: { match: { from: vpn }, delay: { ms: 150, jitter: 20 }, loss: { random: 5 } } } } |
    And alice and bob are registered
    Then the SIP server saw alice's REGISTER arrive from office's public address
    When alice calls bob
    Then the call is established within 3 seconds
    And audio flows both ways for 3 seconds
    When alice sends 500 UDP packets to bob, 20 ms apart
    Then their median one-way delay is 0 ms, within 2 ms
    And the path's MOS estimate is above 4.3

  @alone
  Scenario: mitigation — no VPN: the same office line without the tunnel
    Given the "baseline" topology is running
    And alice and bob are registered
    When alice calls bob
    Then the call is established within 3 seconds
    When alice sends 500 UDP packets to bob, 20 ms apart
    Then their median one-way delay is 0 ms, within 2 ms
    And the path's MOS estimate is above 4.3

  @waits
  Scenario: a large INVITE over UDP through a tunnel whose path drops fragments: registered, but calls time out
    Given the "vpn" topology is running with:
      | nodes.vpn.dropFragments | true |
      | nodes.alice.sdpPadding  | 1800 |
    And alice and bob are registered
    When alice calls bob
    Then the call gets no response, after about 32 seconds
    And the SIP server never saw alice's INVITE
    And the firewall on vpn dropped fragments

  @alone
  Scenario: mitigation — SIP over TCP, whose segments fit the tunnel
    Given the "vpn" topology is running with:
      | nodes.vpn.dropFragments   | true |
      | nodes.alice.sdpPadding    | 1800 |
      | nodes.alice.sip.transport | tcp  |
    And alice and bob are registered
    When alice calls bob
    Then the call is established within 3 seconds
    And audio flows both ways for 3 seconds

  @alone
  Scenario: mitigation — a tunnel MTU that leaves room for the encapsulation
    Given the "vpn" topology is running with:
      | nodes.vpn.dropFragments | true |
      | nodes.vpn.mtu           | 1400 |
      | nodes.alice.sdpPadding  | 1800 |
    And alice and bob are registered
    When alice calls bob
    Then the call is established within 3 seconds
    And audio flows both ways for 3 seconds

  @alone
  Scenario: a far end that does not latch media still reaches a caller behind the full tunnel, large INVITE and 1400-byte tunnel too
    bob is a plain public phone: it sends RTP to the address in alice's SDP (Kamailio rewrote the IP to
    the concentrator's, the port is alice's own) from the moment it answers, before alice's first packet
    has come out of the tunnel. The concentrator drops that early RTP before conntrack keeps it, as a
    firewalled concentrator does, so alice's mapping keeps her port and bob's RTP finds it. (Were the
    early RTP kept as a flow to the concentrator itself, masquerade would move alice to another port and
    no RTP would reach her, whatever the tunnel's MTU.)
    Given the "vpn" topology is running with:
      | nodes.vpn.mtu          | 1400  |
      | nodes.alice.sdpPadding | 1800  |
      | nodes.bob.latchMedia   | false |
    And alice and bob are registered
    When alice calls bob
    Then the call is established within 3 seconds
    And audio flows both ways for 3 seconds

  @waits
  Scenario: the concentrator's NAT forgets an idle phone: registered, but inbound calls never ring
    Given the "vpn" topology is running with:
      | nodes.vpn.natTimeout | 10 |
    And alice and bob are registered
    When 15 seconds pass
    And bob calls alice
    Then the call fails with status 408
    And alice never rang

  @waits
  Scenario: mitigation — keep-alives more often than the concentrator's NAT timeout
    Given the "vpn" topology is running with:
      | nodes.vpn.natTimeout      | 10 |
      | nodes.alice.sip.keepalive | 5  |
    And alice and bob are registered
    When 15 seconds pass
    And bob calls alice
    Then the call is established within 3 seconds

  @alone
  Scenario: a split tunnel sends signalling through the VPN and media direct: a strict media relay drops the audio
    bob stands where a provider's media relay would, with rtpengine's strict-source: media must come from
    the address the signalling came from. The provider sees alice's SIP from the concentrator, her RTP from
    office's own address.
    Given the "vpn" topology is running with:
      | nodes.office.mode           | split      |
      | nodes.office.routes         | [kamailio] |
      | nodes.bob.strictMediaSource | true       |
    And alice and bob are registered
    Then the SIP server saw alice's REGISTER arrive from vpn's public address
    When alice calls bob
    Then the call is established within 3 seconds
    And no media flows for 3 seconds
    And bob dropped RTP from an address the signalling did not name

  @alone
  Scenario: mitigation — consistent routing: through the full tunnel, media leaves where signalling does
    Given the "vpn" topology is running with:
      | nodes.bob.strictMediaSource | true |
    And alice and bob are registered
    When alice calls bob
    Then the call is established within 3 seconds
    And audio flows both ways for 3 seconds

  @alone
  Scenario: a TCP tunnel turns underlay loss into stalls: the audio's jitter grows, none of it is lost
    Given the "vpn" topology is running with:
      | nodes.vpn.proto     | tcp                                                                                                                                                 |
      | nodes.office.impair | { internet: { egress: { match: { to: vpn }, delay: { ms: 20 }, loss: { random: 3 } }, ingress: { match: { from: vpn }, delay: { ms: 20 }, loss: { random: 3 } } } } |
    And alice and bob are registered
    When alice calls bob
    Then the call is established within 5 seconds
    When alice sends 500 UDP packets to bob, 20 ms apart
    Then all of them arrive
    # The underlay adds 20 ms. At 3 % loss nearly every datagram waits behind some retransmission, so even
    # the fastest 5 % arrive a few ms late (25.4 ms seen twice): "near the base" is below 30 ms.
    And their delays spread from below 30 ms to above 60 ms

  @alone
  Scenario: a WebRTC client with its own VPN client: the tunnel address is one of its host candidates, and the call connects
    alice runs an OpenVPN client on her own host, over her home router nat1; the full tunnel carries her
    signalling, STUN and media to the concentrator, so her server-reflexive address is the concentrator's.
    Given the "webrtc" topology is running with:
      | nodes.vpn       | { kind: vpn-gateway, role: concentrator, network: internet } |
      | nodes.alice.vpn | { server: vpn }                                              |
    And alice and bob are registered
    Then the SIP server saw alice's REGISTER arrive from vpn's public address
    When alice calls bob
    Then the call is established within 6 seconds
    And ICE reaches "connected" within 10 seconds
    And alice's host candidates include its tunnel address
    And audio flows both ways for 3 seconds

  @waits
  Scenario: a PMTU black hole: SIP over TCP registers, but the large INVITE's full-size segments never cross
    The tunnel's MTU is 1400 and nothing clamps the MSS; office drops what does not fit tun0 and, filtered,
    never says so: alice's TCP keeps sending 1500-byte segments.
    Given the "vpn" topology is running with:
      | nodes.vpn.mtu                | 1400 |
      | nodes.vpn.mssfix             | 0    |
      | nodes.office.blockFragNeeded | true |
      | nodes.alice.sdpPadding       | 1800 |
      | nodes.alice.sip.transport    | tcp  |
    And alice and bob are registered
    When alice calls bob
    Then the call gets no response, after about 32 seconds
    And the SIP server never saw alice's INVITE
    And the firewall on office dropped frag-needed

  @alone
  Scenario: mitigation — let "fragmentation needed" through: path MTU discovery shrinks the segments
    Given the "vpn" topology is running with:
      | nodes.vpn.mtu             | 1400 |
      | nodes.vpn.mssfix          | 0    |
      | nodes.alice.sdpPadding    | 1800 |
      | nodes.alice.sip.transport | tcp  |
    And alice and bob are registered
    When alice calls bob
    Then the call is established within 3 seconds
    And audio flows both ways for 3 seconds
