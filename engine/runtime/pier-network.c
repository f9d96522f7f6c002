/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "pier-network.h"

#include "pier-bridge-firewall-private.h"
#include "pier-error.h"
#include "pier-fsutil.h"
#include "pier-i18n.h"
#include "pier-lock.h"
#include "pier-netlink-private.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>

/* Leases are files under RUNROOT/networks/pier0/, one per address in use, named by the address
 * and holding the container id. A lease is stale once its container's host veth is gone: the
 * kernel deletes a veth pair with the namespace that held one end, so a container that died
 * without a detach frees its address by itself. That test is only sound while lease and veth
 * are made together, hence the lock around both. */
#define LEASE_LOCK ".lock"
#define CONTAINER_IFNAME "eth0"
#define LEASE_MAX_LEN 4096

gboolean
pier_network_mode_from_string (const char *text, PierNetworkMode *out, GError **error)
{
  static const struct {
    const char *name;
    PierNetworkMode mode;
  } modes[] = {
    { "bridge", PIER_NETWORK_BRIDGE },
    { "none", PIER_NETWORK_NONE },
    { "host", PIER_NETWORK_HOST },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (modes); i++)
    if (g_strcmp0 (text, modes[i].name) == 0)
      {
        *out = modes[i].mode;
        return TRUE;
      }
  g_set_error (error, PIER_ERROR, PIER_ERROR_INVALID,
               _("unknown network mode “%s”: choose bridge, none or host"), text ? text : "");
  return FALSE;
}

const char *
pier_network_mode_to_string (PierNetworkMode mode)
{
  switch (mode)
    {
    case PIER_NETWORK_BRIDGE:
      return "bridge";
    case PIER_NETWORK_NONE:
      return "none";
    case PIER_NETWORK_HOST:
      return "host";
    }
  g_return_val_if_reached (NULL);
}

void
pier_network_lease_free (PierNetworkLease *lease)
{
  if (lease == NULL)
    return;
  g_free (lease->address);
  g_free (lease->gateway);
  g_free (lease->mac);
  g_free (lease->host_ifname);
  g_free (lease);
}

typedef struct {
  guint32 network; /* host order */
  guint prefix_len;
  struct in_addr gateway;
} Subnet;

static void
bridge_subnet (Subnet *subnet)
{
  g_autofree char *text = g_strdup (PIER_BRIDGE_SUBNET);
  char *slash = strchr (text, '/');
  struct in_addr network;

  *slash = '\0';
  inet_pton (AF_INET, text, &network);
  subnet->network = ntohl (network.s_addr);
  subnet->prefix_len = atoi (slash + 1);
  inet_pton (AF_INET, PIER_BRIDGE_GATEWAY, &subnet->gateway);
}

/* Locally administered (02), then 'P' for Pier, then the IPv4 address: unique on the bridge as
 * long as the address is, and readable in `ip neigh`. */
static void
mac_for_address (const struct in_addr *address, guint8 mac[6])
{
  mac[0] = 0x02;
  mac[1] = 0x50;
  memcpy (mac + 2, &address->s_addr, 4);
}

static char *
host_ifname_for (const char *container_id)
{
  g_autofree char *digest = g_compute_checksum_for_string (G_CHECKSUM_SHA256, container_id, -1);
  return g_strdup_printf ("veth%.8s", digest);
}

static gboolean
check_container_id (const char *container_id, GError **error)
{
  if (*container_id == '\0')
    {
      g_set_error (error, PIER_ERROR, PIER_ERROR_INVALID, _("the container id is empty"));
      return FALSE;
    }
  for (const char *p = container_id; *p; p++)
    if (!g_ascii_isgraph (*p))
      {
        g_set_error (error, PIER_ERROR, PIER_ERROR_INVALID,
                     _("container id “%s” has a character other than printable ASCII"),
                     container_id);
        return FALSE;
      }
  return TRUE;
}

static gboolean
ensure_bridge (PierNetlink *nl, const Subnet *subnet, GError **error)
{
  g_autoptr (GError) local_error = NULL;
  guint8 mac[6];

  mac_for_address (&subnet->gateway, mac);
  /* Another process may be creating it at this very moment: whoever loses finds it there. */
  if (!pier_netlink_create_bridge (nl, PIER_BRIDGE_NAME, mac, &local_error)
      && !g_error_matches (local_error, PIER_ERROR, PIER_ERROR_EXISTS))
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  g_clear_error (&local_error);
  if (!pier_netlink_add_ipv4_address (nl, PIER_BRIDGE_NAME, &subnet->gateway, subnet->prefix_len,
                                      &local_error)
      && !g_error_matches (local_error, PIER_ERROR, PIER_ERROR_EXISTS))
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  return pier_netlink_set_link_up (nl, PIER_BRIDGE_NAME, error);
}

/* The lease directory, locked. With @create FALSE an absent directory gives -1 and no error. */
static int
open_lease_dir (gboolean create, PierLock **out_lock, GError **error)
{
  const char *path = PIER_NETWORK_LEASE_DIR;
  g_autofree char *lock_path = g_build_filename (path, LEASE_LOCK, NULL);
  pier_autofd int dirfd = -1;

  if (create && !pier_fs_mkdir_p (path, 0700, error))
    return -1;
  dirfd = open (path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dirfd < 0)
    {
      if (errno != ENOENT || create)
        pier_set_errno (error, errno, _("opening the leases in %s"), path);
      return -1;
    }
  *out_lock = pier_lock_acquire (lock_path, TRUE, error);
  if (*out_lock == NULL)
    return -1;
  return g_steal_fd (&dirfd);
}

/* Calls @func for every lease file: its name, its address and the container holding it. */
typedef gboolean (*LeaseFunc) (int dirfd, const char *name, guint32 address, const char *owner,
                               gpointer data, GError **error);

static gboolean
foreach_lease (int dirfd, LeaseFunc func, gpointer data, GError **error)
{
  pier_autofd int scan_fd = openat (dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  DIR *dir;
  struct dirent *entry;
  gboolean ok = TRUE;

  if (scan_fd < 0)
    return pier_set_errno (error, errno, _("reading the leases"));
  dir = fdopendir (scan_fd);
  if (dir == NULL)
    return pier_set_errno (error, errno, _("reading the leases"));
  scan_fd = -1;
  while (ok && (errno = 0, entry = readdir (dir)) != NULL)
    {
      g_autofree char *owner = NULL;
      struct in_addr address;

      /* Anything that is not an address (the lock, a stray file) is no lease. */
      if (inet_pton (AF_INET, entry->d_name, &address) != 1)
        continue;
      if (!pier_fs_read_all_at (dirfd, entry->d_name, LEASE_MAX_LEN, &owner, NULL, error))
        {
          g_prefix_error (error, _("reading lease: "));
          ok = FALSE;
          break;
        }
      g_strstrip (owner);
      ok = func (dirfd, entry->d_name, ntohl (address.s_addr), owner, data, error);
    }
  if (ok && errno != 0)
    ok = pier_set_errno (error, errno, _("reading the leases"));
  closedir (dir);
  return ok;
}

static gboolean
remove_lease (int dirfd, const char *name, GError **error)
{
  if (unlinkat (dirfd, name, 0) < 0 && errno != ENOENT)
    return pier_set_errno (error, errno, _("removing lease %s"), name);
  return TRUE;
}

typedef struct {
  PierNetlink *nl;
  const char *container_id;
  const Subnet *subnet;
  guint8 *taken; /* one bit per host number in the subnet */
} LeaseScan;

static gboolean
note_lease (int dirfd, const char *name, guint32 address, const char *owner, gpointer data,
            GError **error)
{
  LeaseScan *scan = data;
  guint32 host_mask = ~0u >> scan->subnet->prefix_len;
  g_autofree char *owner_ifname = NULL;
  int ifindex;

  if ((address & ~host_mask) != scan->subnet->network)
    return TRUE;
  if (*owner == '\0')
    return remove_lease (dirfd, name, error);
  owner_ifname = host_ifname_for (owner);
  ifindex = pier_netlink_link_index (scan->nl, owner_ifname, error);
  if (ifindex < 0)
    return FALSE;
  if (ifindex == 0)
    return remove_lease (dirfd, name, error);
  if (strcmp (owner, scan->container_id) == 0)
    {
      g_set_error (error, PIER_ERROR, PIER_ERROR_EXISTS,
                   _("container %s is already attached to %s with address %s"), owner,
                   PIER_BRIDGE_NAME, name);
      return FALSE;
    }
  scan->taken[(address & host_mask) / 8] |= 1u << ((address & host_mask) % 8);
  return TRUE;
}

/* Writes a lease for @container_id on the lowest free address, dropping stale leases on the
 * way; the caller holds the lock. */
static gboolean
take_lease (PierNetlink *nl, int dirfd, const Subnet *subnet, const char *container_id,
            struct in_addr *out_address, GError **error)
{
  guint32 hosts = 1u << (32 - subnet->prefix_len);
  g_autofree guint8 *taken = g_malloc0 (hosts / 8 + 1);
  LeaseScan scan = { nl, container_id, subnet, taken };
  g_autofree char *content = g_strconcat (container_id, "\n", NULL);

  if (!foreach_lease (dirfd, note_lease, &scan, error))
    return FALSE;

  /* .0 is the network, .1 the gateway, the last one broadcast. */
  for (guint32 host = 2; host < hosts - 1; host++)
    {
      char name[INET_ADDRSTRLEN];
      pier_autofd int fd = -1;

      if (taken[host / 8] & (1u << (host % 8)))
        continue;
      out_address->s_addr = htonl (subnet->network | host);
      inet_ntop (AF_INET, out_address, name, sizeof name);
      fd = openat (dirfd, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
      if (fd < 0 && errno == EEXIST)
        continue;
      if (fd < 0)
        return pier_set_errno (error, errno, _("writing lease %s"), name);
      if (!pier_fs_write_all (fd, content, strlen (content), error))
        {
          unlinkat (dirfd, name, 0);
          g_prefix_error (error, _("writing lease %s: "), name);
          return FALSE;
        }
      return TRUE;
    }
  g_set_error (error, PIER_ERROR, PIER_ERROR_NO_SPACE, _("no free address left in %s"),
               PIER_BRIDGE_SUBNET);
  return FALSE;
}

/* Lease and veth pair, under the lock: see the top of this file. */
static gboolean
lease_and_connect (PierNetlink *nl, const Subnet *subnet, int netns_fd,
                   const char *container_id, const char *host_ifname,
                   struct in_addr *out_address, GError **error)
{
  g_autoptr (PierLock) lock = NULL;
  pier_autofd int dirfd = open_lease_dir (TRUE, &lock, error);
  char name[INET_ADDRSTRLEN];
  guint8 mac[6];

  if (dirfd < 0)
    return FALSE;
  pier_bridge_firewall_accept (PIER_BRIDGE_NAME, dirfd);
  if (!take_lease (nl, dirfd, subnet, container_id, out_address, error))
    return FALSE;
  mac_for_address (out_address, mac);
  if (!pier_netlink_create_veth (nl, host_ifname, PIER_BRIDGE_NAME, CONTAINER_IFNAME, netns_fd,
                                 mac, error))
    {
      inet_ntop (AF_INET, out_address, name, sizeof name);
      unlinkat (dirfd, name, 0);
      return FALSE;
    }
  return TRUE;
}

static gboolean
configure_container (PierNetlink *nl, const Subnet *subnet, const struct in_addr *address,
                     GError **error)
{
  return pier_netlink_set_link_up (nl, "lo", error)
         && pier_netlink_set_link_up (nl, CONTAINER_IFNAME, error)
         && pier_netlink_add_ipv4_address (nl, CONTAINER_IFNAME, address, subnet->prefix_len,
                                           error)
         && pier_netlink_add_default_route (nl, CONTAINER_IFNAME, &subnet->gateway, error);
}

gboolean
pier_network_loopback_up (int netns_fd, GError **error)
{
  g_autoptr (PierNetlink) nl = pier_netlink_open_in_netns (netns_fd, error);

  g_debug ("network: loopback only");
  return nl != NULL && pier_netlink_set_link_up (nl, "lo", error);
}

PierNetworkLease *
pier_network_attach_bridge (int netns_fd, const char *container_id,
                            GError **error)
{
  g_autoptr (PierNetlink) host_nl = NULL;
  g_autoptr (PierNetlink) container_nl = NULL;
  g_autofree char *host_ifname = NULL;
  PierNetworkLease *lease;
  struct in_addr address;
  char text[INET_ADDRSTRLEN];
  guint8 mac[6];
  Subnet subnet;

  g_return_val_if_fail (container_id != NULL, NULL);

  if (!check_container_id (container_id, error))
    return NULL;
  /* First, so that a bad descriptor is refused before anything is made. */
  container_nl = pier_netlink_open_in_netns (netns_fd, error);
  if (container_nl == NULL)
    return NULL;
  host_nl = pier_netlink_open (error);
  if (host_nl == NULL)
    return NULL;

  bridge_subnet (&subnet);
  host_ifname = host_ifname_for (container_id);
  if (!ensure_bridge (host_nl, &subnet, error)
      || !lease_and_connect (host_nl, &subnet, netns_fd, container_id, host_ifname,
                             &address, error))
    return NULL;
  if (!configure_container (container_nl, &subnet, &address, error))
    {
      pier_network_detach_bridge (container_id, NULL);
      return NULL;
    }

  mac_for_address (&address, mac);
  inet_ntop (AF_INET, &address, text, sizeof text);
  lease = g_new0 (PierNetworkLease, 1);
  lease->address = g_strdup (text);
  lease->prefix_len = subnet.prefix_len;
  lease->gateway = g_strdup (PIER_BRIDGE_GATEWAY);
  lease->mac = g_strdup_printf ("%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3],
                                mac[4], mac[5]);
  lease->host_ifname = g_steal_pointer (&host_ifname);
  g_debug ("container %s on the bridge: %s/%u through %s, gateway %s", container_id,
           lease->address, lease->prefix_len, lease->host_ifname, lease->gateway);
  return lease;
}

static gboolean
drop_owned_lease (int dirfd, const char *name, guint32 address, const char *owner,
                  gpointer container_id, GError **error)
{
  if (strcmp (owner, container_id) != 0)
    return TRUE;
  return remove_lease (dirfd, name, error);
}

gboolean
pier_network_detach_bridge (const char *container_id, GError **error)
{
  g_autoptr (PierNetlink) nl = NULL;
  g_autoptr (PierLock) lock = NULL;
  g_autoptr (GError) local_error = NULL;
  g_autofree char *host_ifname = NULL;
  pier_autofd int dirfd = -1;

  g_return_val_if_fail (container_id != NULL, FALSE);

  if (!check_container_id (container_id, error))
    return FALSE;
  nl = pier_netlink_open (error);
  if (nl == NULL)
    return FALSE;
  dirfd = open_lease_dir (FALSE, &lock, &local_error);
  if (local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }

  host_ifname = host_ifname_for (container_id);
  if (!pier_netlink_delete_link (nl, host_ifname, &local_error)
      && !g_error_matches (local_error, PIER_ERROR, PIER_ERROR_NOT_FOUND))
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  if (dirfd < 0)
    return TRUE;
  return foreach_lease (dirfd, drop_owned_lease, (gpointer) container_id, error);
}
