/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "pier-container-names-private.h"

static const char *const adjectives[] = {
  "amber", "bold", "brave", "bright", "calm", "clever", "cosy", "crisp", "daring", "eager",
  "fair", "fleet", "gentle", "glad", "golden", "hardy", "hearty", "jolly", "keen", "kind",
  "lively", "lucid", "merry", "mellow", "nimble", "noble", "plucky", "proud", "quiet", "quick",
  "rapid", "ready", "serene", "sharp", "silver", "snug", "steady", "stout", "sunny", "swift",
  "tidy", "true", "vivid", "warm", "wise", "witty", "young", "zesty",
};

static const char *const nouns[] = {
  "anchor", "ballast", "barge", "beacon", "berth", "bollard", "bow", "buoy", "capstan", "cargo",
  "compass", "cove", "crane", "current", "dinghy", "dock", "ferry", "galley", "gangway", "harbor",
  "helm", "hull", "jetty", "keel", "lantern", "lighthouse", "lock", "marina", "mast", "mooring",
  "oar", "pier", "pilot", "quay", "raft", "reef", "rudder", "sail", "schooner", "shoal", "skiff",
  "slipway", "stern", "tide", "tugboat", "wake", "wharf", "yawl",
};

char *
pier_container_name_generate (GHashTable *taken)
{
  for (int attempt = 0;; attempt++)
    {
      const char *a = adjectives[g_random_int_range (0, G_N_ELEMENTS (adjectives))];
      const char *n = nouns[g_random_int_range (0, G_N_ELEMENTS (nouns))];
      /* Past a few collisions the pairs are running out: add a number. */
      char *name = attempt < 10 ? g_strdup_printf ("%s_%s", a, n)
                                : g_strdup_printf ("%s_%s%d", a, n, g_random_int_range (1, 10000));
      if (taken == NULL || !g_hash_table_contains (taken, name))
        return name;
      g_free (name);
    }
}
