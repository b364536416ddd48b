@baseline
Feature: Carrier-grade NAT address space (RFC 6598)
  A carrier's NAT puts its customers in the shared address space 100.64.0.0/10. The lab's seal check
  probes addresses outside the lab's own subnets, so a lab that uses that space starts as any other.

  Scenario: alice's LAN in 100.64.0.0/24 starts sealed and carries a call
    Given the "baseline" topology is running with:
      | networks.lan1.subnet | 100.64.0.0/24 |
    And alice and bob are registered
    When alice calls bob
    Then the call is established within 3 seconds
    And audio flows both ways for 3 seconds
    And the SIP server saw alice's INVITE arrive from nat1's public address
