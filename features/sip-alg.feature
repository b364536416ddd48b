@alg @capture
Feature: SIP ALG — the kernel helper and faulty ALGs, their symptoms and the fixes
  alice sits behind nat1, whose SIP ALG each scenario chooses; bob, the Kamailio server and a SIP mirror
  are on the internet. Kamailio handles NAT the way its default configuration does: it trusts a request
  whose headers look public, so an ALG that rewrites headers decides what the provider does
  (CONDITIONS.md A.1, A3.x). The mirror answers with exactly what arrived: the ground truth of what the
  ALG rewrote.

  Rule: the kernel helper (nf_conntrack_sip + nf_nat_sip)

    Scenario: the kernel helper rewrites Via, Contact and the SDP addresses, keeps the media port and fixes Content-Length
      Given the "sip-alg" topology is running with:
        | nodes.nat1.alg | netfilter |
      When alice probes the SIP mirror mirror
      Then the ALG on nat1 rewrote Via, Contact, SDP origin and SDP connection but not From and To
      And the SDP media port arrived unchanged
      And Content-Length matches the body that arrived

    Scenario: the kernel helper hides the NAT from the provider; calls then live on the helper's pinholes
      Given the "sip-alg" topology is running with:
        | nodes.nat1.alg | netfilter |
      And alice and bob are registered
      Then the SIP server did not see nat1 as behind NAT
      When bob calls alice
      Then the call is established within 3 seconds
      And audio flows both ways for 3 seconds

    Scenario: requests from a proxy other than the registrar never reach the phone (A3.6, sip_direct_signalling=1)
      Given the "sip-alg" topology is running with:
        | nodes.nat1.alg | netfilter |
      And alice is registered
      When a second proxy mirror sends alice a request at the address it registered through nat1
      Then alice never received the second proxy's request

    @alone
    Scenario: with sip_direct_signalling=0 (kernel-wide, held by this lab and restored after) the second proxy gets through
      Given the "sip-alg" topology is running with:
        | nodes.nat1.alg | { netfilter: { sip_direct_signalling: 0 } } |
      And alice is registered
      When a second proxy mirror sends alice a request at the address it registered through nat1
      Then alice received the second proxy's request

    Scenario: over SIP/TCP through a router that clamps the MSS, the short REGISTER is rewritten and the long INVITE is not (A3.10)
      Given the "sip-alg" topology is running with:
        | nodes.nat1.alg            | netfilter |
        | nodes.nat1.tcpMss         | 536       |
        | nodes.alice.sip.transport | tcp       |
      And alice and bob are registered
      When alice calls bob
      Then the call is established within 3 seconds
      And the SIP server saw alice's REGISTER with a Contact on nat1's public address
      And the SIP server saw alice's INVITE with a private Contact

    Scenario: control — with a full-size MSS the same INVITE is rewritten too
      Given the "sip-alg" topology is running with:
        | nodes.nat1.alg            | netfilter |
        | nodes.alice.sip.transport | tcp       |
      And alice and bob are registered
      When alice calls bob
      Then the call is established within 3 seconds
      And the SIP server saw alice's REGISTER with a Contact on nat1's public address
      And the SIP server saw alice's INVITE with a Contact on nat1's public address

    Scenario: control — with no ALG the probe arrives as sent and the provider sees the NAT
      Given the "sip-alg" topology is running
      When alice probes the SIP mirror mirror
      Then the ALG rewrote nothing
      Given alice and bob are registered
      Then the SIP server saw nat1 as behind NAT

  Rule: double NAT (A3.11) — an ALG behind another NAT rewrites to an address that is still private

    Scenario: the inner router's kernel helper writes its own WAN address, which the outer NAT hides
      Given the "sip-alg" topology is running with:
        | networks.lan2       | {}                                                                  |
        | nodes.nat2          | { kind: nat-router, lan: lan2, wan: lan1, gateway: nat1, alg: netfilter } |
        | nodes.alice.network | lan2                                                                |
        | nodes.alice.gateway | nat2                                                                |
      When alice probes the SIP mirror mirror
      Then the ALG on nat2 rewrote Via, Contact and SDP
      And the probe arrived with Contact naming a private address, from nat1's public address
      Given alice and bob are registered
      Then the SIP server saw nat1 as behind NAT
      When alice calls bob
      Then the call is established within 3 seconds
      And audio flows both ways for 3 seconds

  Rule: headers-not-sdp (A3.1) — Via and Contact rewritten, the SDP left private

    Scenario: the call is set up but no audio reaches alice
      Given the "sip-alg" topology is running with:
        | nodes.nat1.alg | headers-not-sdp |
      When alice probes the SIP mirror mirror
      Then the ALG on nat1 rewrote Contact and Via but not the SDP
      Given alice and bob are registered
      Then the SIP server did not see nat1 as behind NAT
      When alice calls bob
      Then the call is established within 3 seconds
      And the SDP bob received names alice's private address
      And audio flows from alice to bob but none comes back for 3 seconds

    Scenario: control — without the ALG the same call has audio both ways
      The provider sees the NAT (the headers are private) and writes where alice's INVITE came from into
      her SDP: bob's copy names nat1's public address.
      Given the "sip-alg" topology is running
      And alice and bob are registered
      When alice calls bob
      Then the call is established within 3 seconds
      And the SDP bob received names nat1's public address
      And audio flows both ways for 3 seconds

    Scenario: mitigation — the far end latches media onto where alice's RTP comes from (a provider's media relay)
      Given the "sip-alg" topology is running with:
        | nodes.nat1.alg        | headers-not-sdp |
        | nodes.bob.latchMedia  | true            |
      And alice and bob are registered
      When alice calls bob
      Then the call is established within 3 seconds
      And audio flows both ways for 3 seconds

    Scenario: mitigation — SIP on port 5080, which the ALG does not watch
      Given the "sip-alg" topology is running with:
        | nodes.nat1.alg              | headers-not-sdp |
        | nodes.alice.sip.serverPort  | 5080            |
      And alice and bob are registered
      When alice calls bob
      Then the call is established within 3 seconds
      And audio flows both ways for 3 seconds
      And the ALG on nat1 saw no SIP

    Scenario: mitigation — SIP over TLS, which the ALG cannot read (the same phone, still plain RTP)
      Given the "sip-alg" topology is running with:
        | nodes.nat1.alg            | headers-not-sdp |
        | nodes.alice.sip.transport | tls             |
      And alice and bob are registered
      Then the SIP server saw nat1 as behind NAT
      When alice calls bob
      Then the call is established within 3 seconds
      And audio flows both ways for 3 seconds
      When alice hangs up
      And bob calls alice
      Then the call is established within 3 seconds
      And audio flows both ways for 3 seconds
      And the ALG on nat1 saw no SIP

    Scenario: mitigation — SIP over secure WebSocket, which the ALG cannot read
      Given the "sip-alg" topology is running with:
        | nodes.nat1.alg | headers-not-sdp                                                                           |
        | nodes.carol    | { kind: user-agent, network: lan1, gateway: nat1, sip: { server: kamailio, transport: wss } } |
        | nodes.dave     | { kind: user-agent, network: internet, sip: { server: kamailio, transport: wss } }          |
      And carol and dave are registered
      When carol calls dave
      Then the call is established within 5 seconds
      And audio flows both ways for 3 seconds
      And the ALG on nat1 saw no SIP

    Scenario: mitigation — the phone's own VPN client: the ALG sees only the tunnel
      alice runs an OpenVPN client on her own host, over nat1; her SIP and RTP sockets take the tunnel's
      address, and the concentrator's NAT is the one the provider sees.
      Given the "sip-alg" topology is running with:
        | nodes.nat1.alg  | headers-not-sdp                                              |
        | nodes.vpn       | { kind: vpn-gateway, role: concentrator, network: internet } |
        | nodes.alice.vpn | { server: vpn }                                              |
      And alice and bob are registered
      Then the SIP server saw alice's REGISTER arrive from vpn's public address
      When alice calls bob
      Then the call is established within 3 seconds
      And audio flows both ways for 3 seconds
      And the ALG on nat1 saw no SIP

  Rule: wrong-contact-port (A3.2) — Contact gets port 5060 whatever the NAT mapped

    @waits
    Scenario: alice registers, but inbound calls never ring and the caller gets 408
      Given the "sip-alg" topology is running with:
        | nodes.nat1.alg             | wrong-contact-port |
        | nodes.alice.sip.localPort  | 5070               |
      And alice and bob are registered
      When bob calls alice
      Then the call fails with status 408
      And alice never rang

    Scenario: control — without the ALG the phone on port 5070 is reached
      Given the "sip-alg" topology is running with:
        | nodes.alice.sip.localPort  | 5070 |
      And alice and bob are registered
      When bob calls alice
      Then the call is established within 3 seconds

    Scenario: mitigation — SIP on port 5080, which the ALG does not watch
      Given the "sip-alg" topology is running with:
        | nodes.nat1.alg              | wrong-contact-port |
        | nodes.alice.sip.localPort   | 5070               |
        | nodes.alice.sip.serverPort  | 5080               |
      And alice and bob are registered
      When bob calls alice
      Then the call is established within 3 seconds

  Rule: wrong-contact-port in responses only — the call is answered, and drops 32 seconds later
    The phone's REGISTER leaves untouched, so the provider reaches it over the mapping it registered from;
    its 200 OK leaves with Contact on port 5060, where the router has no mapping. The caller's ACK and
    every later request follow that Contact and are lost; the phone sends its 200 OK again and again and,
    with no ACK after 64·T1, hangs up (RFC 3261 §13.3.1.4): the field's "calls drop after 32 seconds".

    @waits
    Scenario: alice answers bob's call, never gets the ACK, and hangs up 32 seconds later
      Given the "sip-alg" topology is running with:
        | nodes.nat1.alg            | { rules: { contactPort: "5060", messages: responses } } |
        | nodes.alice.sip.localPort | 5070                                                    |
      And alice and bob are registered
      When bob calls alice
      Then the call is established within 3 seconds
      And nat1's ALG log shows a rewritten 200 INVITE
      When 35 seconds pass
      Then alice never received an ACK for its 200 OK
      And alice hung up about 32 seconds after its 200 OK
      And bob received a BYE for the call

    Scenario: mitigation — SIP on port 5080, which the ALG does not watch: the ACK arrives
      Given the "sip-alg" topology is running with:
        | nodes.nat1.alg             | { rules: { contactPort: "5060", messages: responses } } |
        | nodes.alice.sip.localPort  | 5070                                                    |
        | nodes.alice.sip.serverPort | 5080                                                    |
      And alice and bob are registered
      When bob calls alice
      Then the call is established within 3 seconds
      And alice received an ACK for its 200 OK within 1 second

  Rule: content-length-unfixed (A3.3) — the SDP grows, Content-Length does not

    Scenario: REGISTER works, every INVITE with SDP is rejected as malformed
      Given the "sip-alg" topology is running with:
        | nodes.nat1.alg | content-length-unfixed |
      When alice probes the SIP mirror mirror
      Then Content-Length contradicts the body that arrived
      Given alice and bob are registered
      When alice calls bob
      Then the call fails with status 400

    Scenario: control — without the ALG the same INVITE is answered
      Given the "sip-alg" topology is running
      And alice and bob are registered
      When alice probes the SIP mirror mirror
      Then Content-Length matches the body that arrived
      When alice calls bob
      Then the call is established within 3 seconds

    Scenario: mitigation — SIP on port 5080, which the ALG does not watch
      Given the "sip-alg" topology is running with:
        | nodes.nat1.alg              | content-length-unfixed |
        | nodes.alice.sip.serverPort  | 5080                   |
      And alice and bob are registered
      When alice calls bob
      Then the call is established within 3 seconds

  Rule: reinvite-realloc (A3.5) — a re-INVITE announces a media port the router never opens

    Scenario: audio works until the re-INVITE, then none reaches alice
      Given the "sip-alg" topology is running with:
        | nodes.nat1.alg | reinvite-realloc |
      And alice and bob are registered
      When alice calls bob
      Then the call is established within 3 seconds
      And audio flows both ways for 2 seconds
      When alice re-invites the call
      Then nat1's ALG log shows a rewritten re-INVITE
      And audio flows from alice to bob but none comes back for 3 seconds

    # Either side may re-INVITE, on any transport. A re-INVITE asked for right after a call is answered
    # may leave before the answered side has the caller's ACK: the agent waits for it (RFC 3261 §14.1),
    # which the callee's re-INVITE straight after "bob calls alice" exercises.
    Scenario Outline: control — without the ALG audio survives re-INVITEs from either side over <transport>
      Given the "sip-alg" topology is running with:
        | nodes.alice.sip.transport | <transport> |
      And alice and bob are registered
      When alice calls bob
      Then the call is established within 3 seconds
      When alice re-invites the call
      And bob re-invites the call
      Then audio flows both ways for 3 seconds
      When alice hangs up
      And bob calls alice
      Then the call is established within 3 seconds
      When alice re-invites the call
      And bob re-invites the call
      Then audio flows both ways for 3 seconds

      Examples:
        | transport |
        | udp       |
        | tcp       |
        | tls       |

    Scenario: mitigation — the far end latches media onto where alice's RTP really comes from
      Given the "sip-alg" topology is running with:
        | nodes.nat1.alg       | reinvite-realloc |
        | nodes.bob.latchMedia | true             |
      And alice and bob are registered
      When alice calls bob
      Then the call is established within 3 seconds
      When alice re-invites the call
      Then nat1's ALG log shows a rewritten re-INVITE
      And audio flows both ways for 3 seconds

    Scenario: mitigation — SIP over TLS: the ALG never sees the re-INVITE (hold/resume on either side)
      Given the "sip-alg" topology is running with:
        | nodes.nat1.alg            | reinvite-realloc |
        | nodes.alice.sip.transport | tls              |
      And alice and bob are registered
      When alice calls bob
      Then the call is established within 3 seconds
      When alice re-invites the call
      Then audio flows both ways for 3 seconds
      When alice hangs up
      And bob calls alice
      Then the call is established within 3 seconds
      When alice re-invites the call
      Then audio flows both ways for 3 seconds
      And the ALG on nat1 saw no SIP

  Rule: drop-register-refresh (A3.12) — the first REGISTER passes, refreshes are dropped

    @waits
    Scenario: the binding expires and inbound calls get 404
      Given the "sip-alg" topology is running with:
        | nodes.nat1.alg | drop-register-refresh |
      And alice is registered for 12 seconds
      And bob is registered
      When 20 seconds pass
      Then nat1's ALG log shows a dropped REGISTER
      When bob calls alice
      Then the call fails with status 404

    @waits
    Scenario: control — without the ALG the refresh keeps alice reachable
      Given the "sip-alg" topology is running
      And alice is registered for 12 seconds
      And bob is registered
      When 20 seconds pass
      And bob calls alice
      Then the call is established within 3 seconds

    @waits
    Scenario: mitigation — SIP over TLS: the ALG never sees the refresh
      Given the "sip-alg" topology is running with:
        | nodes.nat1.alg            | drop-register-refresh |
        | nodes.alice.sip.transport | tls                   |
      And alice is registered for 12 seconds
      And bob is registered
      When 20 seconds pass
      And bob calls alice
      Then the call is established within 3 seconds
      And the ALG on nat1 saw no SIP

  Rule: router pinhole timeout (A3.4) — shorter than the registration

    @waits
    Scenario: alice stays registered, but after 15 idle seconds inbound calls never ring
      Given the "sip-alg" topology is running with:
        | nodes.nat1.udpTimeout | 10 |
      And alice and bob are registered
      When 15 seconds pass
      And bob calls alice
      Then the call fails with status 408
      And alice never rang

    @waits
    Scenario: mitigation — keep-alives more often than the pinhole timeout
      Given the "sip-alg" topology is running with:
        | nodes.nat1.udpTimeout      | 10 |
        | nodes.alice.sip.keepalive  | 5  |
      And alice and bob are registered
      When 15 seconds pass
      And bob calls alice
      Then the call is established within 3 seconds

  Rule: an ALG whose rules apply to requests only, or to chosen methods

    Scenario: it rewrites the headers of requests only: alice's calls out get no audio back, her calls in work
      Her INVITE leaves with public headers and a private SDP: the provider sees no NAT and trusts the SDP.
      Her answer to bob's call leaves untouched: the provider sees its private Contact and fixes its SDP.
      Given the "sip-alg" topology is running with:
        | nodes.nat1.alg | { rules: { rewrite: [via, contact], messages: requests } } |
      And alice and bob are registered
      When alice calls bob
      Then the call is established within 3 seconds
      And nat1's ALG log shows a rewritten INVITE
      And audio flows from alice to bob but none comes back for 3 seconds
      When alice hangs up
      And bob calls alice
      Then the call is established within 3 seconds
      And audio flows both ways for 3 seconds

    Scenario: it rewrites INVITEs only: alice's REGISTER leaves private and the provider's NAT handling mends it
      Given the "sip-alg" topology is running with:
        | nodes.nat1.alg | { rules: { rewrite: [via, contact], methods: [INVITE] } } |
      And alice and bob are registered
      Then the SIP server saw alice's REGISTER with a private Contact
      When bob calls alice
      Then the call is established within 3 seconds
