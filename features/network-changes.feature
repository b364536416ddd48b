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

  Rule: a router's SIP ALG switched on or off mid-scenario (the admin page's checkbox, a firmware update)
    The userspace ALG acts on every packet, so its change applies at once. A change to or from the kernel
    helper reaches only flows that begin after it: conntrack keeps the helper each flow was made with, until
    the router reboots (forgets its NAT mappings).

    Scenario: the router's faulty ALG is switched on: the call before has audio both ways, the call after none back
      Given the "sip-alg" topology is running
      And alice and bob are registered
      When alice calls bob
      Then the call is established within 3 seconds
      And audio flows both ways for 3 seconds
      When alice hangs up
      And nat1's ALG changes to headers-not-sdp
      And alice calls bob
      Then the call is established within 3 seconds
      And nat1's ALG log shows a rewritten INVITE
      And audio flows from alice to bob but none comes back for 3 seconds
      When alice hangs up
      And nat1's ALG changes to off
      And alice calls bob
      Then the call is established within 3 seconds
      And audio flows both ways for 3 seconds

    Scenario: the kernel helper switched on reaches alice's SIP flow once the router reboots; a faulty userspace ALG after it, at once
      Given the "sip-alg" topology is running
      When alice probes the SIP mirror mirror
      Then the ALG rewrote nothing
      When nat1's ALG changes to netfilter
      And alice probes the SIP mirror mirror
      Then the ALG rewrote nothing
      When nat1 forgets its NAT mappings
      And alice probes the SIP mirror mirror
      Then the ALG on nat1 rewrote Via, Contact, SDP origin and SDP connection but not From and To
      When nat1's ALG changes to off
      And nat1 forgets its NAT mappings
      And nat1's ALG changes to:
        """
        { profile: headers-not-sdp, rules: { rewrite: [contact] } }
        """
      And alice probes the SIP mirror mirror
      Then the ALG on nat1 rewrote Contact but not Via and SDP origin
