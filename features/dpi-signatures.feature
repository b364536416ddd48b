@dpi
Feature: DPI signatures — each proven to drop its target and to leave unrelated traffic alone
  alice sits behind nat1, bob on the internet. nat1 carries a firewall; each sample is what the protocol
  really puts at the start of a UDP payload or a TCP stream (CONDITIONS.md B.1), sent between the two
  nodes; the rule's own counter must have counted the drop.

  Scenario Outline: <signature> drops <traffic>, and the controls pass
    Given the "sip-alg" topology is running with:
      | nodes.nat1.firewall | { block: [<signature>] } |
    Then <traffic> from alice to bob is dropped at nat1 by <signature>
    And TLS on 443, plain TCP, DNS, UDP on 5000 and SIP over TCP from alice to bob pass nat1

    Examples:
      | signature       | traffic                    |
      | stun-udp        | STUN over UDP              |
      | stun-udp        | STUN over UDP on port 5000 |
      | channeldata-udp | TURN ChannelData over UDP  |
      | rtp-udp         | RTP over UDP               |
      | rtcp-udp        | RTCP over UDP              |
      | dtls-udp        | DTLS over UDP              |
      | stun-tcp        | TURN over TCP              |
      | rfc4571-tcp     | ICE-TCP                    |

  Scenario: udp block drops all UDP but DNS; TCP and TLS pass
    Given the "sip-alg" topology is running with:
      | nodes.nat1.firewall | { udp: block } |
    Then UDP on 5000 from alice to bob is dropped at nat1 by udp-block
    And RTP over UDP from alice to bob is dropped at nat1 by udp-block
    And DNS, TLS on 443, plain TCP and SIP over TCP from alice to bob pass nat1

  Scenario: the provider allowlist exempts the provider's addresses from every rule
    Given the "sip-alg" topology is running with:
      | nodes.nat1.firewall | { udp: block, block: [stun-udp, rtp-udp], allow: [bob] } |
    Then STUN over UDP, RTP over UDP and UDP on 5000 from alice to bob pass nat1
    And UDP on 5000 from alice to mirror is dropped at nat1 by udp-block

  Scenario: a late verdict lets a classified flow start, then drops it
    Given the "sip-alg" topology is running with:
      | nodes.nat1.firewall | { lateBlock: { signatures: [rtp-udp], afterPackets: 20 } } |
    Then of 60 RTP over UDP packets from alice to bob, exactly the first 20 pass nat1

  Scenario: a late verdict by time lets a classified flow run for a while, then drops it
    Given the "sip-alg" topology is running with:
      | nodes.nat1.firewall | { lateBlock: { signatures: [rtp-udp], afterSeconds: 1 } } |
    Then of 100 RTP over UDP packets sent 20 ms apart from alice to bob, about 1 second worth pass nat1
