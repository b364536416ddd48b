@sbc
Feature: The seed causes end to end through the SBC — a corporate firewall on the app's side, a home ALG and a VPN on the phone's
  The WebRTC app (behind nat1) and the desk phone (behind nat2) call each other through the SBC "edge", as a
  cloud-telephony customer's app calls a phone number. Each network's failure is shown with its mitigation,
  then both networks at once, each way.

  Rule: a corporate firewall blocks UDP and its DPI spots STUN framed in TCP (TURN over TCP)

    @alone
    Scenario: the app's media cannot reach the relay: signalling over WSS works, ICE fails
      Given the "sbc" topology is running with:
        | nodes.nat1.firewall | { udp: block, block: [stun-tcp] } |
        | nodes.app.ice       | { server: turn, turn: [udp, tcp] } |
      And app and phone are registered
      When app calls phone
      Then the call is established within 6 seconds
      And the call fails at ICE within 20 seconds
      And the firewall on nat1 dropped stun-tcp

    @alone
    Scenario: mitigation — TURN over TLS on 443: the relay is reached through the TURN server
      Given the "sbc" topology is running with:
        | nodes.nat1.firewall | { udp: block, block: [stun-tcp] } |
      And app and phone are registered
      When app calls phone
      Then the call is established within 6 seconds
      And app's ICE reaches "connected" or "completed" within 10 seconds
      And app's selected candidate pair is relay over tls
      And audio flows both ways for 3 seconds
      And both ends of the call exchange media with edge

  Rule: the phone's home router runs a SIP ALG that rewrites the headers but not the SDP (A3.1)

    @alone
    Scenario: an SBC that trusts the SDP and never latches sends the phone's audio to its private address
      Given the "sbc" topology is running with:
        | nodes.nat2.alg      | headers-not-sdp |
        | nodes.edge.nat      | sdp             |
        | nodes.edge.latching | none            |
      And app and phone are registered
      When phone calls app
      Then the call is established within 3 seconds
      And audio flows from phone to app but none comes back for 3 seconds

    @alone
    Scenario: mitigation — the SBC's defaults: the SIP source address, and latching on the phone's real RTP
      Given the "sbc" topology is running with:
        | nodes.nat2.alg | headers-not-sdp |
      And app and phone are registered
      When phone calls app
      Then the call is established within 3 seconds
      And audio flows both ways for 3 seconds

  Rule: the desk phone runs its own VPN client to a concentrator (a remote worker's phone)
    The tunnel hides the phone's SIP from its home router's ALG: the SBC sees the concentrator's address.
    A tunnel whose path drops fragments loses what does not fit one underlay packet.

    @waits
    Scenario: the tunnel's path drops fragments: the phone's large INVITE over UDP never reaches the SBC
      Given the "sbc" topology is running with:
        | nodes.vpn               | { kind: vpn-gateway, role: concentrator, network: internet, dropFragments: true } |
        | nodes.phone.vpn         | { server: vpn }                                                                   |
        | nodes.phone.sdpPadding  | 1800                                                                              |
      And app and phone are registered
      Then the SIP server saw phone's REGISTER arrive from vpn's public address
      When phone calls app
      Then the call gets no response, after about 32 seconds
      And the SIP server never saw phone's INVITE

    @alone
    Scenario: mitigation — SIP over TCP inside the tunnel: its segments fit, the call connects with audio
      Given the "sbc" topology is running with:
        | nodes.vpn                 | { kind: vpn-gateway, role: concentrator, network: internet, dropFragments: true } |
        | nodes.phone.vpn           | { server: vpn }                                                                   |
        | nodes.phone.sdpPadding    | 1800                                                                              |
        | nodes.phone.sip.transport | tcp                                                                               |
      And app and phone are registered
      When phone calls app
      Then the call is established within 6 seconds
      And audio flows both ways for 3 seconds
      And both ends of the call exchange media with edge

  Rule: both networks at once, both mitigations in force

    @alone
    Scenario Outline: <caller> calls <callee> from behind the firewall and the ALG
      Given the "sbc" topology is running with:
        | nodes.nat1.firewall | { udp: block, block: [stun-tcp] } |
        | nodes.nat2.alg      | headers-not-sdp                   |
      And app and phone are registered
      When <caller> calls <callee>
      Then the call is established within 6 seconds
      And app's ICE reaches "connected" or "completed" within 10 seconds
      And app's selected candidate pair is relay over tls
      And audio flows both ways for 3 seconds

      Examples:
        | caller | callee |
        | app    | phone  |
        | phone  | app    |

  Rule: all three causes at once — the app behind the corporate firewall, the phone behind the ALG and on its own VPN

    @alone
    Scenario Outline: <caller> calls <callee>: TURN over TLS on 443 for the app, the tunnel past the ALG for the phone
      Given the "sbc" topology is running with:
        | nodes.nat1.firewall | { udp: block, block: [stun-tcp] }                            |
        | nodes.nat2.alg      | headers-not-sdp                                              |
        | nodes.vpn           | { kind: vpn-gateway, role: concentrator, network: internet } |
        | nodes.phone.vpn     | { server: vpn }                                              |
      And app and phone are registered
      Then the SIP server saw phone's REGISTER arrive from vpn's public address
      When <caller> calls <callee>
      Then the call is established within 6 seconds
      And app's ICE reaches "connected" or "completed" within 10 seconds
      And app's selected candidate pair is relay over tls
      And audio flows both ways for 3 seconds
      And the ALG on nat2 saw no SIP

      Examples:
        | caller | callee |
        | app    | phone  |
        | phone  | app    |
