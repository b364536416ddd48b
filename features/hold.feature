@hold
Feature: Hold and resume — the re-INVITEs a desk phone sends, and what each does to the audio
  A phone holds a call with a re-INVITE: a=sendonly (it may still play music on hold), a=inactive
  (nothing either way), or, as RFC 2543 phones still do, c=0.0.0.0 (send me nothing). A resume offers
  sendrecv again. Each must cross the provider (and, through an SBC, its media relay) both ways.

  Scenario Outline: alice holds with <style> and resumes, through the provider's proxy
    Given the "baseline" topology is running
    And alice and bob are registered
    When alice calls bob
    Then the call is established within 3 seconds
    When alice puts the call on hold with <style>
    Then <held audio>
    When alice resumes the call
    Then audio flows both ways for 2 seconds

    Examples:
      | style     | held audio                                                 |
      | sendonly  | audio flows from alice to bob but none comes back for 2 seconds |
      | inactive  | no media flows for 2 seconds                               |
      | c=0.0.0.0 | no media flows for 2 seconds                               |

  Scenario: the desk phone holds and resumes a WebRTC app's call through the SBC's media relay
    Given the "sbc" topology is running
    And app and phone are registered
    When app calls phone
    Then the call is established within 3 seconds
    When phone puts the call on hold
    Then audio flows from phone to app but none comes back for 2 seconds
    When phone resumes the call
    Then audio flows both ways for 2 seconds
