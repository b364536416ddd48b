@baseline
Feature: Baseline — a SIP call through a NAT with nothing hostile in the way
  alice sits on a LAN behind nat1 (port-restricted cone, no ALG); bob and the Kamailio server are on the
  internet. This is the control every other scenario is measured against.

  Background:
    Given the "baseline" topology is running
    And alice and bob are registered

  Scenario: alice calls bob through her NAT
    When alice calls bob
    Then the call is established within 3 seconds
    And audio flows both ways for 5 seconds
    And the SIP server saw alice's REGISTER arrive from nat1's public address
    And the SIP server saw alice's INVITE arrive from nat1's public address
    When alice hangs up
    Then bob sees the call ended by the other side

  Scenario: bob calls alice, who is only reachable through her NAT mapping
    When bob calls alice
    Then the call is established within 3 seconds
    And audio flows both ways for 5 seconds
    When bob hangs up
    Then alice sees the call ended by the other side

  Scenario: a call to a user who never registered is rejected by the server
    When alice calls carol
    Then the call fails with status 404
