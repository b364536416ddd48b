@change
Feature: Networks that change mid-scenario — a baseline call and a restricted one on the same line
  A firewall is changed while the lab runs, as IT rolls out a rule or a router's firmware updates: the
  whole table is swapped in one nft transaction. The call before the change is the scenario's own control.

  Scenario: IT blocks UDP and TURN over TCP mid-day: the app's next call moves to TURN over TLS, and back once the rule goes
    Given the "webrtc" topology is running
    And alice and bob are registered
    When alice calls bob
    Then the call is established within 3 seconds
    And the call's media goes direct, without a relay
    And audio flows both ways for 3 seconds
    When alice hangs up
    And nat1's firewall changes to:
      """
      udp: block
      block: [stun-tcp]
      """
    And alice calls bob
    Then the call is established within 6 seconds
    And ICE reaches "connected" within 10 seconds
    And alice's selected candidate pair is relay over tls
    And audio flows both ways for 3 seconds
    And the firewall on nat1 dropped stun-tcp
    When alice hangs up
    And nat1's firewall changes to:
      """
      {}
      """
    And alice calls bob
    Then the call is established within 3 seconds
    And the call's media goes direct, without a relay

  Scenario: the router's firmware update makes its NAT symmetric: the app's next call needs the TURN relay
    Given the "webrtc" topology is running
    And alice and bob are registered
    When alice calls bob
    Then the call is established within 3 seconds
    And the call's media goes direct, without a relay
    When alice hangs up
    And nat1's NAT changes to symmetric
    And alice calls bob
    Then the call is established within 3 seconds
    And ICE reaches "connected" within 5 seconds
    And the call's media goes through the TURN relay
    And audio flows both ways for 3 seconds
