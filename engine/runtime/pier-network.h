/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* Container networking without any external tool: rtnetlink spoken directly.
 *
 * bridge (the default as root): a `pier0` bridge on the host with the gateway address, and for
 * each container a veth pair whose host end joins the bridge and whose other end becomes the
 * container's eth0 with an address leased from the bridge's subnet. none: the container's own
 * namespace with loopback only. host: no namespace of its own. */

#define PIER_BRIDGE_NAME "pier0"
#define PIER_BRIDGE_SUBNET "10.89.0.0/16"
#define PIER_BRIDGE_GATEWAY "10.89.0.1"
/* The bridge is the host's, so are its leases: one file per address in use, named by the
 * address, holding the container's id. */
#define PIER_NETWORK_LEASE_DIR "/run/pier/networks/" PIER_BRIDGE_NAME

typedef enum {
  PIER_NETWORK_BRIDGE,
  PIER_NETWORK_NONE,
  PIER_NETWORK_HOST,
} PierNetworkMode;

gboolean pier_network_mode_from_string (const char *text, PierNetworkMode *out, GError **error);
const char *pier_network_mode_to_string (PierNetworkMode mode);

typedef struct {
  char *address;     /* "10.89.0.5" */
  guint prefix_len;  /* 16 */
  char *gateway;     /* "10.89.0.1" */
  char *mac;         /* "aa:bb:..." of the container's eth0 */
  char *host_ifname; /* "vethXXXXXXXX" */
} PierNetworkLease;

void pier_network_lease_free (PierNetworkLease *lease);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PierNetworkLease, pier_network_lease_free)

/* Brings up "lo" in the network namespace @netns_fd refers to. */
gboolean pier_network_loopback_up (int netns_fd, GError **error);

/* Makes sure the bridge exists (with the gateway address, up), leases an address for
 * @container_id (leases live in PIER_NETWORK_LEASE_DIR, taken under a lock, so concurrent starts
 * never get the same address and a container's lease is released by detach or when found
 * stale), creates the veth pair, moves one end into @netns_fd as eth0 with the address, up, a
 * default route via the gateway, and loopback up. */
PierNetworkLease *pier_network_attach_bridge (int netns_fd,
                                              const char *container_id, GError **error);

/* Removes the container's host veth end (if the kernel has not already, with its namespace) and
 * releases its lease. Absent is not an error. */
gboolean pier_network_detach_bridge (const char *container_id,
                                     GError **error);

G_END_DECLS
