@impair @alone
Feature: Impairments on a link, with netem where the kernel has it and the userspace engine where it does not
  A link end (one node's interface, one direction) takes delay, jitter, loss, reordering, duplication,
  corruption and a rate, as tc-netem(8) describes them. These scenarios measure what arrives: packets carry
  their send time, and every container reads the same clock, so the delay measured is the one-way delay.

  Scenario: delay and random loss on nat1's WAN are what the topology asked for
    Given the "baseline" topology is running with:
      | nodes.nat1.impair | { internet: { egress: { delay: { ms: 40 }, loss: { random: 10 } } } } |
    When alice sends 1000 UDP packets to bob, 5 ms apart
    Then their median one-way delay is 40 ms, within 2 ms
    And the share lost is consistent with 10%
    And none of them arrive out of order

  Scenario: an impairment changes in the middle of a flow and clears
    Given the "baseline" topology is running
    When alice sends 100 UDP packets to bob, 10 ms apart
    Then their median one-way delay is 0 ms, within 2 ms
    When nat1's "internet" egress is impaired with:
      """
      delay: { ms: 80 }
      """
    And alice sends 100 UDP packets to bob, 10 ms apart
    Then their median one-way delay is 80 ms, within 2 ms
    When nat1's "internet" impairments are cleared
    And alice sends 100 UDP packets to bob, 10 ms apart
    Then their median one-way delay is 0 ms, within 2 ms
    And all of them arrive

  Scenario: jitter reorders packets, unless it is told to keep their order
    Given the "baseline" topology is running
    When nat1's "internet" egress is impaired with:
      """
      delay: { ms: 30, jitter: 20 }
      """
    And alice sends 400 UDP packets to bob, 2 ms apart
    Then their delays spread from below 20 ms to above 40 ms
    And some of them arrive out of order
    When nat1's "internet" egress is impaired with:
      """
      delay: { ms: 30, jitter: 20, reorder: false }
      """
    And alice sends 400 UDP packets to bob, 2 ms apart
    Then none of them arrive out of order

  Scenario: an impairment can take one flow only: loss on RTP ports leaves other traffic alone
    Given the "baseline" topology is running
    When nat1's "internet" egress is impaired with:
      """
      match: { protocol: udp, port: 10000-20000 }
      loss: { random: 100 }
      """
    And alice sends 50 UDP packets to bob on port 15000, 10 ms apart
    Then none of them arrive
    When alice sends 50 UDP packets to bob on port 4100, 10 ms apart
    Then all of them arrive

  Scenario: ingress and duplication: bob's own link delays what reaches him, nat1 duplicates what it sends
    Given the "baseline" topology is running with:
      | nodes.bob.impair  | { internet: { ingress: { delay: { ms: 25 } } } } |
      | nodes.nat1.impair | { internet: { egress: { duplicate: 20 } } }      |
    When alice sends 300 UDP packets to bob, 10 ms apart
    Then their median one-way delay is 25 ms, within 2 ms
    And some of them arrive twice
