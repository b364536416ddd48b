@diagnose
Feature: Diagnostic heuristics are scored against the lab's ground truth
  A diagnostics engineer's heuristic ("is there an ALG? is UDP blocked? a VPN?") runs from the customer's
  seat on a network whose truth callpath derives from the topology, and its verdicts are judged against it.
  `callpath diagnose` does the same over a whole matrix of networks.

  Scenario: the reference probe finds the kernel SIP helper on the home router
    Given the "diagnose-home" topology is running with:
      | nodes.nat1.alg | netfilter |
    When the heuristic "reference" runs on alice
    Then it reports sipAlg "yes"
    And it reports sipAlgUdp "yes"
    And its verdicts match the lab's ground truth

  Scenario: the reference probe sees UDP blocked and STUN over TCP dropped by DPI
    Given the "diagnose-home" topology is running with:
      | nodes.nat1.firewall | { udp: block, block: [stun-tcp] } |
    When the heuristic "reference" runs on alice
    Then it reports udpBlocked "yes"
    And it reports stunOverTcpBlocked "yes"
    And its verdicts match the lab's ground truth

  Scenario: the reference probe sees a full tunnel on the seat's own host, and that it hides the router's ALG
    Given the "diagnose-vpn" topology is running with:
      | nodes.nat1.alg | netfilter |
    When the heuristic "reference" runs on erin
    Then it reports vpn "yes"
    And it reports sipAlg "no"
    And its verdicts match the lab's ground truth

  Scenario: a naive heuristic is scored, and found wrong on a network without an ALG
    Given the "diagnose-home" topology is running
    When the heuristic "features/fixtures/heuristics/always-alg.sh" runs on alice
    Then it reports sipAlg "yes"
    And its verdict on sipAlg is wrong

  Scenario: a heuristic that crashes, hangs or prints garbage is recorded as such, and the next one still runs
    Given the "diagnose-home" topology is running
    When the heuristic "features/fixtures/heuristics/crash.sh" runs on alice
    Then the run is recorded as crashed with no verdicts
    When the heuristic "features/fixtures/heuristics/hang.sh" runs on alice for at most 3 seconds
    Then the run is recorded as timeout with no verdicts
    When the heuristic "features/fixtures/heuristics/garbage.sh" runs on alice
    Then the run is recorded as malformed with no verdicts
    When the heuristic "features/fixtures/heuristics/always-alg.sh" runs on bob
    Then it reports sipAlg "yes"
