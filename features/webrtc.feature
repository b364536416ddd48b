@webrtc
Feature: WebRTC calls — SIP over secure WebSocket, ICE, DTLS-SRTP and a TURN relay
  Three WebRTC agents (sip.js over WSS, libwebrtc with Opus) sit behind home NATs: alice (nat1) and bob
  (nat2) behind port-restricted cones, carol (nat3) behind a symmetric NAT. Kamailio serves SIP over WSS
  on 443; coturn serves STUN and TURN on UDP/TCP 3478 and TLS 443. ICE servers come from the topology only.

  Background:
    Given the "webrtc" topology is running

  Scenario: two port-restricted NATs: ICE connects directly, no relay needed
    Given alice and bob are registered
    When alice calls bob
    Then the call is established within 3 seconds
    And ICE reaches "connected" within 5 seconds
    And the call's media goes direct, without a relay
    And audio flows both ways for 3 seconds
    When alice hangs up
    Then bob sees the call ended by the other side

  Scenario: a symmetric NAT on one side: ICE needs the TURN relay
    Given carol and bob are registered
    When carol calls bob
    Then the call is established within 3 seconds
    And ICE reaches "connected" within 5 seconds
    And the call's media goes through the TURN relay
    And audio flows both ways for 3 seconds

  Scenario Outline: relay only, with TURN over <transport>
    Given alice uses only relay candidates over <transport>
    And alice and bob are registered
    When alice calls bob
    Then the call is established within 3 seconds
    And ICE reaches "connected" within 5 seconds
    And alice's selected candidate pair is relay over <transport>
    And audio flows both ways for 3 seconds

    Examples:
      | transport |
      | udp       |
      | tcp       |
      | tls       |

  @waits
  Scenario: without the TURN server the symmetric NAT's call is set up but fails at ICE
    Given the TURN server turn is down
    And carol and bob are registered
    When carol calls bob
    Then the call is established within 8 seconds
    And the call fails at ICE within 20 seconds
    And no media flows for 2 seconds
