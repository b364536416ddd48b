@provider
Feature: Provider behaviours — the registrar's Expires limits, and where calls to a phone come from
  A provider's registrar grants what a phone asks for only within its limits (`registrar: { minExpires,
  maxExpires }` on a sip-server or an sbc). A short maximum makes phones re-register often, and every
  REGISTER refreshes the phone's NAT mapping: the registrar itself keeps the pinhole open.
  A provider whose calls to its phones come from an edge proxy (`inbound: edge`) reaches a NATed phone
  only through a router that does not filter by address.

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

  @waits
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

  Rule: what the provider does with a NATed phone's SDP (nat: source, the default, or sdp)
    Kamailio's default configuration rewrites the SDP address of a phone it finds behind NAT to where the
    message came from; a provider that trusts the SDP sends the far end to the phone's private address.
    bob, on the internet, sends where the SDP says (he does not latch). The control, the default, is
    sip-alg.feature's "control — without the ALG the same call has audio both ways".

    Scenario Outline: a provider that trusts the SDP: <caller>'s call to <callee> has no audio back to alice
      Given the "sip-alg" topology is running with:
        | nodes.kamailio.nat | sdp |
      And alice and bob are registered
      When <caller> calls <callee>
      Then the call is established within 3 seconds
      And the SDP bob received names alice's private address
      And audio flows from alice to bob but none comes back for 3 seconds

      Examples:
        | caller | callee |
        | alice  | bob    |
        | bob    | alice  |

  Rule: calls to a phone from an edge proxy, not from the registrar it registered with (inbound: edge)

    @waits
    Scenario Outline: behind a <nat> NAT the edge proxy's INVITE is filtered and the phone never rings
      The phone's mapping was opened towards the registrar; a router that filters by address lets in
      nothing from another one (a port-restricted or symmetric router filters more still). Kamailio gets
      no response and answers the caller 408 at Timer B.
      Given the "sip-alg" topology is running with:
        | nodes.kamailio.inbound | edge  |
        | nodes.nat1.nat         | <nat> |
      And alice and bob are registered
      When bob calls alice
      Then the call fails with status 408
      And alice never rang

      Examples:
        | nat             |
        | restricted-cone |

    Scenario: mitigation — a router that filters nothing lets the edge proxy's INVITE in
      Given the "sip-alg" topology is running with:
        | nodes.kamailio.inbound | edge      |
        | nodes.nat1.nat         | full-cone |
      And alice and bob are registered
      When bob calls alice
      Then the call is established within 3 seconds
      And alice received the INVITE from kamailio's edge address

    Scenario: mitigation — the provider calls the phone over the flow it registered on
      The control: the same router, the provider's default (`inbound: registrar`).
      Given the "sip-alg" topology is running with:
        | nodes.nat1.nat | port-restricted-cone |
      And alice and bob are registered
      When bob calls alice
      Then the call is established within 3 seconds
      And alice received the INVITE from kamailio's registrar address

  Rule: keep-alives the provider answers (keepalives), and what a phone learns from them (sip.keepaliveKind)

    @waits
    Scenario Outline: behind a router that reboots and re-maps it, a phone whose <kind> keep-alives go unanswered never learns, and its calls never ring
      The keep-alives hold the router's new mapping open, but the registrar still names the old one.
      Given the "sip-alg" topology is running with:
        | nodes.nat1.nat                | symmetric |
        | nodes.alice.sip.keepalive     | 2         |
        | nodes.alice.sip.keepaliveKind | <kind>    |
        | nodes.kamailio.keepalives     | <answers> |
      And alice and bob are registered
      When nat1 forgets its NAT mappings
      And 5 seconds pass
      And bob calls alice
      Then the call fails with status 408
      And alice never rang
      And alice's keep-alives went unanswered

      Examples:
        | kind    | answers         |
        | crlf    | [options, stun] |
        | stun    | [options]       |

    Scenario Outline: mitigation — a provider that answers <kind> keep-alives tells the phone its new mapping, and it registers again
      Given the "sip-alg" topology is running with:
        | nodes.nat1.nat                | symmetric |
        | nodes.alice.sip.keepalive     | 2         |
        | nodes.alice.sip.keepaliveKind | <kind>    |
        | nodes.kamailio.keepalives     | [<kind>]  |
      And alice and bob are registered
      When nat1 forgets its NAT mappings
      And 5 seconds pass
      And bob calls alice
      Then the call is established within 3 seconds
      And alice's keep-alives were answered
      And alice registered again when its public address changed

      Examples:
        | kind    |
        | stun    |
        | options |

  Rule: the SBC has the same fields

    Scenario: an SBC whose calls to phones leave from its edge proxy, and that answers STUN keep-alives
      The phone's router filters nothing, so the edge proxy's INVITE gets in.
      Given the "sbc" topology is running with:
        | nodes.edge.inbound            | edge      |
        | nodes.edge.keepalives         | [stun]    |
        | nodes.nat2.nat                | full-cone |
        | nodes.phone.sip.keepalive     | 2         |
        | nodes.phone.sip.keepaliveKind | stun      |
      And app and phone are registered
      When app calls phone
      Then the call is established within 3 seconds
      And phone received the INVITE from edge's edge address
      And audio flows both ways for 3 seconds
      And phone's keep-alives were answered
