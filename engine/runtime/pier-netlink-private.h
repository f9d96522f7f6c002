/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>
#include <netinet/in.h>

G_BEGIN_DECLS

/* The few rtnetlink requests container networking needs, each answered by the kernel's ACK.
 * A refusal becomes a PIER_ERROR (code from errno) naming the operation and the link, with the
 * kernel's extended ACK text appended when it gives one:
 * "creating bridge pier0: Operation not supported (Unknown device type)". */
typedef struct _PierNetlink PierNetlink;

/* A NETLINK_ROUTE socket in the caller's network namespace. */
PierNetlink *pier_netlink_open (GError **error);

/* A NETLINK_ROUTE socket in the network namespace @netns_fd refers to: a short-lived thread
 * enters it and opens the socket, which keeps that namespace for its whole life, so the calling
 * thread never changes namespace. PIER_ERROR_INVALID when @netns_fd is not a network
 * namespace. */
PierNetlink *pier_netlink_open_in_netns (int netns_fd, GError **error);

void pier_netlink_close (PierNetlink *nl);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PierNetlink, pier_netlink_close)

/* The ifindex of @name, 0 (and no error) when there is no such link, -1 on error. */
int pier_netlink_link_index (PierNetlink *nl, const char *name, GError **error);

/* A bridge named @name with the fixed hardware address @mac (a bridge that picks its address
 * from its ports would change it under the containers' ARP caches as ports come and go).
 * PIER_ERROR_EXISTS when a link of that name exists. */
gboolean pier_netlink_create_bridge (PierNetlink *nl, const char *name, const guint8 mac[6],
                                     GError **error);

/* A veth pair in one request: @name in this socket's namespace, up, enslaved to @master;
 * @peer_name created directly inside the namespace @peer_netns_fd with address @peer_mac, still
 * down (bring it up from a socket in that namespace). Nothing is ever left half made, and the
 * peer's name cannot clash with a host link. */
gboolean pier_netlink_create_veth (PierNetlink *nl, const char *name, const char *master,
                                   const char *peer_name, int peer_netns_fd,
                                   const guint8 peer_mac[6], GError **error);

gboolean pier_netlink_set_link_up (PierNetlink *nl, const char *name, GError **error);

/* Deleting one end of a veth pair deletes the other. PIER_ERROR_NOT_FOUND when absent. */
gboolean pier_netlink_delete_link (PierNetlink *nl, const char *name, GError **error);

/* PIER_ERROR_EXISTS when the link already has that address. */
gboolean pier_netlink_add_ipv4_address (PierNetlink *nl, const char *name,
                                        const struct in_addr *address, guint prefix_len,
                                        GError **error);

gboolean pier_netlink_add_default_route (PierNetlink *nl, const char *name,
                                         const struct in_addr *gateway, GError **error);

G_END_DECLS
