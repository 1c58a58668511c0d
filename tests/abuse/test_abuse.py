"""The HTTP/2 abuse suite (issue #11): each attack against a fresh wardend, directly and behind
the shipped nginx front (deploy/nginx/warden-front.conf.template), with a legitimate client
(ValidateToken, 200/s, 4 in flight on one connection) and a probe opening a new connection every
0.2 s. Every attack is bounded in time (ATTACK_SECONDS) and count and stops by itself; the
monitor kills a server that reaches 1.5 GiB (the test then fails).

The bar (per attack, per setup): the processes survive; at least 90% of the probes are answered
during the attack and one right after it (1 s deadline); the legitimate client keeps >= 99% of its
calls with p99 <= max(20 x its idle p99, 25 ms); RSS stays within 256 MiB above idle and settles
back to within 64 MiB of idle.

The attacker has a loopback address of its own (127.0.0.2); the legitimate client and the probe
use 127.0.0.1. Defences keyed by client address (per-address connection caps, the reset penalty,
nginx's limit_conn) cannot tell apart clients that share one address.

grpc++ 1.51 cannot meet the bar in-process for the attacks in NEEDS_FRONT: it has no limit on
streams opened and reset at once, on control frames, or on a header block across CONTINUATION
frames, and it parses every frame it reads at full speed. Their direct tests are named
`..._direct_fails_without_front` and are expected failures: they run the same attack against the
bare listener and fail the suite if it ever meets the bar (then the list, docs/edge.md and the
front requirement must be revisited). The fronted test of the same attack checks the whole bar.

Run one: python3 test_abuse.py AbuseTest.test_rapid_reset_fronted
"""
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import abuse_support  # noqa: E402

ATTACK_SECONDS = float(os.environ.get("WARDEN_ABUSE_SECONDS", "5"))
IDLE_RSS_HEADROOM_MIB = 256
SETTLED_RSS_HEADROOM_MIB = 64

# Attacks that only the front can bound (see the module comment and docs/edge.md).
NEEDS_FRONT = {
    "rapid_reset", "rapid_reset_data", "idle_streams", "continuation_flood", "hpack_bomb",
    "ping_flood", "settings_flood", "window_update_flood", "empty_data_flood",
    "hpack_table_churn",
}
ATTACKS = [
    "rapid_reset", "rapid_reset_data", "idle_streams", "continuation_flood",
    "continuation_big_value", "hpack_bomb", "ping_flood", "connection_churn", "churn_rst",
    "churn_preface", "idle_connections", "window_update_flood",
    "empty_data_flood", "priority_flood", "hpack_table_churn", "slowloris", "settings_flood",
]


def describe(result):
    return ", ".join("%s=%s" % (k, round(v, 2) if isinstance(v, float) else v)
                     for k, v in result.items())


class AbuseTest(unittest.TestCase):
    maxDiff = None

    def check_bar(self, result):
        why = describe(result)
        self.assertTrue(result["alive"], "the server died or hit the RSS cap: " + why)
        self.assertTrue(result["after_ok"], "no new connection answered right after: " + why)
        self.assertLessEqual(result["settled_rss_mib"],
                             result["idle_rss_mib"] + SETTLED_RSS_HEADROOM_MIB, why)
        self.assertGreater(result["probes"], 0, why)
        self.assertGreaterEqual(result["probes_ok"], 0.9 * result["probes"],
                                "new connections not answered during the attack: " + why)
        self.assertGreater(result["legit_calls"], 0, why)
        self.assertGreaterEqual(result["legit_ok"], 0.99 * result["legit_calls"],
                                "legitimate calls failed: " + why)
        self.assertLessEqual(result["legit_p99_ms"], max(20 * result["idle_p99_ms"], 25.0),
                             "legitimate p99 over the bar: " + why)
        self.assertLessEqual(result["peak_rss_mib"],
                             result["idle_rss_mib"] + IDLE_RSS_HEADROOM_MIB, why)
        if result["fronted"]:
            self.assertLessEqual(result["nginx_peak_rss_mib"],
                                 result["nginx_idle_rss_mib"] + IDLE_RSS_HEADROOM_MIB, why)

    def judged(self, attack, fronted, **kwargs):
        """Runs a row that must meet the bar. A result that misses only the latency bar is
        measured once more on a fresh server, and the second result is judged: the machine is
        shared, and a neighbour's burst can move a 5 s p99 (seen: 73 ms against a 66 ms bar, the
        same row 3 ms when rerun alone), but it cannot make the server die, grow, refuse new
        connections or fail calls, which are judged on the first result."""
        result = self.run_row(attack, fronted, **kwargs)
        self.check_bar(dict(result, legit_p99_ms=0.0))  # everything but the latency
        if result["legit_p99_ms"] > max(20 * result["idle_p99_ms"], 25.0):
            print("legitimate p99 over the bar once: measuring again on a fresh server",
                  flush=True)
            result = self.run_row(attack, fronted, **kwargs)
        self.check_bar(result)

    def run_row(self, attack, fronted, **kwargs):
        result = abuse_support.run_attack(attack, fronted, ATTACK_SECONDS, **kwargs)
        print("\n" + describe(result), flush=True)
        self.assertNotIn("error", result["attack_counts"], describe(result))
        return result


def _add(attack):
    def direct(self):
        self.judged(attack, False)

    def direct_without_front(self):  # expected to fail: judged once, as measured
        self.check_bar(self.run_row(attack, False))

    def fronted(self):
        self.judged(attack, True)

    if attack in NEEDS_FRONT:
        setattr(AbuseTest, "test_%s_direct_fails_without_front" % attack,
                unittest.expectedFailure(direct_without_front))
    else:
        setattr(AbuseTest, "test_%s_direct" % attack, direct)
    setattr(AbuseTest, "test_%s_fronted" % attack, fronted)


for _attack in ATTACKS:
    _add(_attack)

def _hard_limit_1024(attack):
    def test(self):
        # Soft and hard limit 1024: raising the soft limit cannot help, the gate's cap must.
        self.judged(attack, False, nofile=(1024, 1024))
    setattr(AbuseTest, "test_%s_direct_1024_fds" % attack, test)


for _attack in ("idle_connections", "connection_churn", "churn_preface"):
    _hard_limit_1024(_attack)


if __name__ == "__main__":
    unittest.main(verbosity=2)
