@provider
Feature: Provider behaviours — the registrar's Expires limits
  A provider's registrar grants what a phone asks for only within its limits (`registrar: { minExpires,
  maxExpires }` on a sip-server or an sbc). A short maximum makes phones re-register often, and every
  REGISTER refreshes the phone's NAT mapping: the registrar itself keeps the pinhole open.

  Scenario Outline: a phone that asks for <asked> s is granted <granted> s (registrar min <min>, max <max>)
    Given the "baseline" topology is running with:
      | nodes.kamailio.registrar | { minExpires: <min>, maxExpires: <max> } |
    And alice is registered for <asked> seconds
    Then alice's registration was granted for <granted> seconds

    Examples:
      | min | max  | asked | granted |
      | 10  | 3600 | 120   | 120     |
      | 300 | 3600 | 120   | 300     |
      | 10  | 60   | 120   | 60      |

  Scenario: a provider's short registrations hold the NAT's pinhole open, as keep-alives do
    The control without it is the "router pinhole timeout" rule of sip-alg.feature: the same router
    forgets alice after 10 idle seconds and bob's call never rings.
    Given the "sip-alg" topology is running with:
      | nodes.nat1.udpTimeout    | 10                                |
      | nodes.kamailio.registrar | { minExpires: 5, maxExpires: 8 } |
    And alice and bob are registered
    Then alice's registration was granted for 8 seconds
    When 15 seconds pass
    And bob calls alice
    Then the call is established within 3 seconds

  Scenario: the SBC's registrar has the same limits
    Given the "sbc" topology is running with:
      | nodes.edge.registrar | { minExpires: 10, maxExpires: 30 } |
    And phone is registered for 120 seconds
    Then phone's registration was granted for 30 seconds
