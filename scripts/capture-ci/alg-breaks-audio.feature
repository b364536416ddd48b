# Not part of the suite: scripts/capture-ci.ts runs it on purpose to fail, and checks the evidence the
# failure leaves (the merged pcapng, the ladder in the HTML report). The failure is real: this faulty ALG
# rewrites Via and Contact but leaves alice's private address in the SDP, so bob's audio never reaches her.
@capture-ci
Feature: a failed scenario leaves a capture and a ladder

  Scenario: expecting audio both ways through an ALG that rewrites the headers but not the SDP
    Given the "sip-alg" topology is running with:
      | nodes.nat1.alg | headers-not-sdp |
    And alice and bob are registered
    When alice calls bob
    Then the call is established within 3 seconds
    And audio flows both ways for 3 seconds
