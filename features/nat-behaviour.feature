@nat
Feature: NAT behaviour presets — filtering measured, not assumed
  alice sends one datagram from port 4000 to bob:7000, which opens a mapping on nat1. Then bob (same port),
  bob (another port) and the mirror (never contacted) each send one datagram to that mapping.

  Scenario Outline: <preset> lets in <allowed>
    Given the "sip-alg" topology is running with:
      | nodes.nat1.nat | <preset> |
    Then nat1 lets in <allowed>

    Examples:
      | preset               | allowed                                                |
      | full-cone            | the peer, the peer's other port and a stranger         |
      | restricted-cone      | the peer and the peer's other port                     |
      | port-restricted-cone | the peer                                               |
      | symmetric            | nothing                                                |
