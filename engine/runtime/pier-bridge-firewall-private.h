/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Lets the frames between two ports of @bridge through iptables' FORWARD chain, where the
 * kernel sends them while br_netfilter is loaded (net.bridge.bridge-nf-call-iptables = 1).
 * Docker's dockerd sets that chain's policy to DROP: without the rule Pier's containers could
 * no longer reach one another. @dirfd is a directory on /run (kept no longer than the kernel
 * keeps the rules) where a marker says the rule went in, so that a container start spawns
 * iptables only once per boot. Best effort: what goes wrong is logged (PIER_DEBUG=1), not
 * returned, as the containers still reach the host without it. */
void pier_bridge_firewall_accept (const char *bridge, int dirfd);

G_END_DECLS
