@sbc @alone
Feature: An SBC joins WebRTC apps and classic phones — Kamailio with rtpengine at the provider's edge
  A WebRTC app (sip.js over WSS, libwebrtc: ICE, DTLS-SRTP) sits behind nat1 and a desk phone (SIP over UDP,
  plain RTP, PCMU) behind nat2, both port-restricted cones. They register with the SBC "edge": Kamailio
  with rtpengine beside it, which relays the media of every call and rewrites each offer and answer into
  the profile of the side that receives it. The app's ICE servers are the lab's TURN server only.

  Scenario: the WebRTC app calls the desk phone: ICE and DTLS with the relay, plain RTP to the phone
    Given the "sbc" topology is running
    And app and phone are registered
    When app calls phone
    Then the call is established within 3 seconds
    And app's ICE reaches "connected" or "completed" within 5 seconds
    And audio flows both ways for 3 seconds
    And both ends of the call exchange media with edge
    And the call carries PCMU at app and PCMU at phone
    When app hangs up
    Then phone sees the call ended by the other side

  Scenario: the desk phone calls the WebRTC app
    Given the "sbc" topology is running
    And app and phone are registered
    When phone calls app
    Then the call is established within 3 seconds
    And app's ICE reaches "connected" or "completed" within 5 seconds
    And audio flows both ways for 3 seconds
    And both ends of the call exchange media with edge
    When phone hangs up
    Then app sees the call ended by the other side

  Scenario Outline: the app reaches the relay only through TURN over <transport>
    Given the "sbc" topology is running
    And app uses only relay candidates over <transport>
    And app and phone are registered
    When app calls phone
    Then the call is established within 3 seconds
    And app's ICE reaches "connected" or "completed" within 5 seconds
    And app's selected candidate pair is relay over <transport>
    And audio flows both ways for 3 seconds
    And both ends of the call exchange media with edge

    Examples:
      | transport |
      | udp       |
      | tcp       |
      | tls       |

  Scenario Outline: a provider whose WebRTC side speaks Opus only: the relay transcodes Opus ⇄ PCMU (<caller> calls)
    Given the "sbc" topology is running with:
      | nodes.edge.codecs | { webrtc: [opus], sip: [PCMU] } |
    And app and phone are registered
    When <caller> calls <callee>
    Then the call is established within 3 seconds
    And the call carries opus at app and PCMU at phone
    And app's ICE reaches "connected" or "completed" within 5 seconds
    And audio flows both ways for 3 seconds

    Examples:
      | caller | callee |
      | app    | phone  |
      | phone  | app    |

  Scenario: an offer with none of a leg's codecs is refused: the phone speaks PCMU, the SIP side only PCMA
    Given the "sbc" topology is running with:
      | nodes.edge.codecs | { sip: [PCMA] } |
    And app and phone are registered
    When phone calls app
    Then the call fails with status 488

  Scenario Outline: a phone behind NAT: the relay finds its media by <how> (nat: <nat>, latching: <latching>)
    Given the "sbc" topology is running with:
      | nodes.edge.nat      | <nat>      |
      | nodes.edge.latching | <latching> |
    And app and phone are registered
    When phone calls app
    Then the call is established within 3 seconds
    And audio flows both ways for 3 seconds

    Examples:
      | nat    | latching  | how                                                    |
      | source | none      | the SIP source address and the SDP's port              |
      | sdp    | symmetric | the first RTP from the phone                           |
      | source | strict    | the SIP source address, then only from the learnt port |

  Scenario: a relay that trusts the SDP and never latches sends the phone's audio to its private address
    Given the "sbc" topology is running with:
      | nodes.edge.nat      | sdp  |
      | nodes.edge.latching | none |
    And app and phone are registered
    When phone calls app
    Then the call is established within 3 seconds
    And audio flows from phone to app but none comes back for 3 seconds

  Scenario Outline: the phone's router reboots mid-call behind a symmetric NAT, under <latching> latching
    The phone's RTP leaves on a fresh public port after the reboot. The relay learnt the old one in the
    call's first seconds; what it does now is the provider's latching.
    Given the "sbc" topology is running with:
      | nodes.nat2.nat      | symmetric  |
      | nodes.edge.latching | <latching> |
    And app and phone are registered
    When phone calls app
    Then the call is established within 3 seconds
    And audio flows both ways for 5 seconds
    When nat2 forgets its NAT mappings
    And 1 second passes
    Then <after the reboot>

    Examples:
      | latching  | after the reboot                                                |
      | symmetric | audio flows from phone to app but none comes back for 3 seconds |
      | strict    | no media flows for 3 seconds                                    |
      | handover  | audio flows both ways for 3 seconds                             |

  Scenario: without the SBC (a plain proxy in its place) the app cannot use the phone's plain-RTP answer
    Given the "sbc" topology is running with:
      | nodes.edge | { kind: sip-server, network: internet } |
    And app and phone are registered
    When app calls phone
    Then the call fails on the answer's SDP
