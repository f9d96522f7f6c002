/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "pier-netlink-private.h"

#include "pier-error.h"
#include "pier-fsutil.h"
#include "pier-i18n.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/nsfs.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <net/if.h>
#include <sched.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

/* Big enough for the kernel's answer about one link (stats are asked to be left out). */
#define REPLY_SIZE 32768
#define REQUEST_SIZE 1024

struct _PierNetlink {
  int fd;
  guint32 seq;
  guint8 reply[REPLY_SIZE] __attribute__ ((aligned (NLMSG_ALIGNTO)));
};

typedef struct {
  union {
    struct nlmsghdr hdr;
    guint8 raw[REQUEST_SIZE];
  };
} Request;

/* What the kernel said about one request: 0 or a positive errno, its extended ACK text, and the
 * ifindex of the link it described (for RTM_GETLINK). */
typedef struct {
  int errsv;
  char message[256];
  int ifindex;
} Reply;

static void *
request_init (Request *req, guint16 type, guint16 flags, gsize family_len)
{
  memset (req, 0, sizeof *req);
  req->hdr.nlmsg_type = type;
  req->hdr.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | flags;
  req->hdr.nlmsg_len = NLMSG_LENGTH (family_len);
  return NLMSG_DATA (&req->hdr);
}

/* Requests have a fixed shape and names are checked before they get here: running out of room
 * is a bug in this file. */
static void *
request_reserve (Request *req, gsize len)
{
  gsize at = NLMSG_ALIGN (req->hdr.nlmsg_len);
  g_assert (at + RTA_ALIGN (len) <= sizeof req->raw);
  req->hdr.nlmsg_len = at + RTA_ALIGN (len);
  return req->raw + at;
}

static void
request_put_attr (Request *req, guint16 type, const void *data, gsize len)
{
  struct rtattr *rta = request_reserve (req, RTA_LENGTH (len));
  rta->rta_type = type;
  rta->rta_len = RTA_LENGTH (len);
  if (len > 0)
    memcpy (RTA_DATA (rta), data, len);
}

static void
request_put_string (Request *req, guint16 type, const char *value)
{
  request_put_attr (req, type, value, strlen (value) + 1);
}

static void
request_put_u32 (Request *req, guint16 type, guint32 value)
{
  request_put_attr (req, type, &value, sizeof value);
}

static struct rtattr *
request_nest_start (Request *req, guint16 type)
{
  struct rtattr *nest = request_reserve (req, RTA_LENGTH (0));
  nest->rta_type = type;
  return nest;
}

static void
request_nest_end (Request *req, struct rtattr *nest)
{
  nest->rta_len = (guint8 *) req->raw + req->hdr.nlmsg_len - (guint8 *) nest;
}

static void
read_ext_ack (const struct nlmsghdr *h, const struct nlmsgerr *err, Reply *reply)
{
  gsize offset = NLMSG_ALIGN (sizeof *err);
  const struct rtattr *rta;
  int len;

  if (!(h->nlmsg_flags & NLM_F_ACK_TLVS))
    return;
  if (!(h->nlmsg_flags & NLM_F_CAPPED))
    offset += NLMSG_ALIGN (err->msg.nlmsg_len - NLMSG_HDRLEN);
  if (NLMSG_LENGTH (offset) > h->nlmsg_len)
    return;
  len = h->nlmsg_len - NLMSG_LENGTH (offset);
  for (rta = (const struct rtattr *) ((const guint8 *) NLMSG_DATA (h) + offset); RTA_OK (rta, len);
       rta = RTA_NEXT (rta, len))
    if (rta->rta_type == NLMSGERR_ATTR_MSG && RTA_PAYLOAD (rta) > 1)
      g_strlcpy (reply->message, RTA_DATA (rta),
                 MIN (sizeof reply->message, (gsize) RTA_PAYLOAD (rta)));
}

/* Sends @req and reads until the kernel's ACK or error for it. */
static void
transact (PierNetlink *nl, Request *req, Reply *reply)
{
  struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
  guint32 seq = ++nl->seq;

  memset (reply, 0, sizeof *reply);
  req->hdr.nlmsg_seq = seq;
  while (sendto (nl->fd, req->raw, req->hdr.nlmsg_len, 0, (struct sockaddr *) &kernel,
                 sizeof kernel) < 0)
    if (errno != EINTR)
      {
        reply->errsv = errno;
        return;
      }

  for (;;)
    {
      struct sockaddr_nl from;
      socklen_t from_len = sizeof from;
      ssize_t n = recvfrom (nl->fd, nl->reply, sizeof nl->reply, MSG_TRUNC,
                            (struct sockaddr *) &from, &from_len);
      int left;

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          reply->errsv = errno;
          return;
        }
      if ((gsize) n > sizeof nl->reply)
        {
          reply->errsv = EMSGSIZE;
          return;
        }
      if (from.nl_pid != 0)
        continue;

      left = n;
      for (const struct nlmsghdr *h = (const struct nlmsghdr *) nl->reply; NLMSG_OK (h, left);
           h = NLMSG_NEXT (h, left))
        {
          if (h->nlmsg_seq != seq)
            continue;
          if (h->nlmsg_type == NLMSG_ERROR)
            {
              const struct nlmsgerr *err = NLMSG_DATA (h);

              if (h->nlmsg_len < NLMSG_LENGTH (sizeof *err))
                reply->errsv = EPROTO;
              else if (err->error != 0)
                {
                  reply->errsv = -err->error;
                  read_ext_ack (h, err, reply);
                }
              return;
            }
          if (h->nlmsg_type == RTM_NEWLINK
              && h->nlmsg_len >= NLMSG_LENGTH (sizeof (struct ifinfomsg)))
            reply->ifindex = ((const struct ifinfomsg *) NLMSG_DATA (h))->ifi_index;
        }
    }
}

static gboolean set_reply_error (GError **error, const Reply *reply, const char *format, ...)
  G_GNUC_PRINTF (3, 4);

static gboolean
set_reply_error (GError **error, const Reply *reply, const char *format, ...)
{
  g_autofree char *what = NULL;
  /* rtnetlink says ENODEV for a link that is not there. */
  PierErrorCode code = reply->errsv == ENODEV ? PIER_ERROR_NOT_FOUND
                                              : pier_error_code_from_errno (reply->errsv);
  va_list args;

  va_start (args, format);
  what = g_strdup_vprintf (format, args);
  va_end (args);
  if (reply->message[0] != '\0')
    g_set_error (error, PIER_ERROR, code, "%s: %s (%s)", what, g_strerror (reply->errsv),
                 reply->message);
  else
    g_set_error (error, PIER_ERROR, code, "%s: %s", what, g_strerror (reply->errsv));
  return FALSE;
}

static gboolean
check_name (const char *name, GError **error)
{
  gsize len = strlen (name);

  if (len == 0 || len >= IFNAMSIZ || strchr (name, '/') != NULL)
    {
      g_set_error (error, PIER_ERROR, PIER_ERROR_INVALID,
                   _("“%s” is not a valid link name (1 to %d bytes, no “/”)"), name, IFNAMSIZ - 1);
      return FALSE;
    }
  return TRUE;
}

static PierNetlink *
netlink_from_socket (int fd)
{
  PierNetlink *nl = g_new0 (PierNetlink, 1);
  int on = 1;

  /* Both only make errors richer and shorter; a kernel without them still answers. */
  setsockopt (fd, SOL_NETLINK, NETLINK_EXT_ACK, &on, sizeof on);
  setsockopt (fd, SOL_NETLINK, NETLINK_CAP_ACK, &on, sizeof on);
  nl->fd = fd;
  return nl;
}

PierNetlink *
pier_netlink_open (GError **error)
{
  int fd = socket (AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);

  if (fd < 0)
    {
      pier_set_errno (error, errno, _("opening a netlink socket"));
      return NULL;
    }
  return netlink_from_socket (fd);
}

typedef struct {
  int netns_fd;
  int fd;
  int errsv;
  const char *step;
} NetnsSocketJob;

static gpointer
open_in_netns_thread (gpointer data)
{
  NetnsSocketJob *job = data;

  /* Only this thread changes namespace, and it ends right after. */
  if (setns (job->netns_fd, CLONE_NEWNET) < 0)
    {
      job->errsv = errno;
      job->step = "entering the network namespace";
      return NULL;
    }
  job->fd = socket (AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
  if (job->fd < 0)
    {
      job->errsv = errno;
      job->step = "opening a netlink socket in the network namespace";
    }
  return NULL;
}

PierNetlink *
pier_netlink_open_in_netns (int netns_fd, GError **error)
{
  NetnsSocketJob job = { .netns_fd = netns_fd, .fd = -1 };
  GThread *thread;

  if (netns_fd < 0 || ioctl (netns_fd, NS_GET_NSTYPE) != CLONE_NEWNET)
    {
      g_set_error (error, PIER_ERROR, PIER_ERROR_INVALID,
                   _("descriptor %d is not a network namespace"), netns_fd);
      return NULL;
    }
  thread = g_thread_try_new ("pier-netns", open_in_netns_thread, &job, error);
  if (thread == NULL)
    return NULL;
  g_thread_join (thread);
  if (job.fd < 0)
    {
      pier_set_errno (error, job.errsv, "%s", job.step);
      return NULL;
    }
  return netlink_from_socket (job.fd);
}

void
pier_netlink_close (PierNetlink *nl)
{
  if (nl == NULL)
    return;
  close (nl->fd);
  g_free (nl);
}

static struct ifinfomsg *
link_request_init (Request *req, guint16 type, guint16 flags)
{
  struct ifinfomsg *ifi = request_init (req, type, flags, sizeof *ifi);
  ifi->ifi_family = AF_UNSPEC;
  return ifi;
}

int
pier_netlink_link_index (PierNetlink *nl, const char *name, GError **error)
{
  Request req;
  Reply reply;

  if (!check_name (name, error))
    return -1;
  link_request_init (&req, RTM_GETLINK, 0);
  request_put_string (&req, IFLA_IFNAME, name);
  request_put_u32 (&req, IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
  transact (nl, &req, &reply);
  if (reply.errsv == ENODEV)
    return 0;
  if (reply.errsv != 0)
    {
      set_reply_error (error, &reply, _("looking up link %s"), name);
      return -1;
    }
  if (reply.ifindex <= 0)
    {
      g_set_error (error, PIER_ERROR, PIER_ERROR_FAILED,
                   _("looking up link %s: the kernel's answer has no link in it"), name);
      return -1;
    }
  return reply.ifindex;
}

/* The ifindex of @name, with NOT_FOUND naming @what when there is no such link. */
static int
require_link_index (PierNetlink *nl, const char *name, const char *what, GError **error)
{
  int ifindex = pier_netlink_link_index (nl, name, error);

  if (ifindex == 0)
    g_set_error (error, PIER_ERROR, PIER_ERROR_NOT_FOUND, _("%s: there is no link %s"), what,
                 name);
  return ifindex > 0 ? ifindex : -1;
}

gboolean
pier_netlink_create_bridge (PierNetlink *nl, const char *name, const guint8 mac[6],
                            GError **error)
{
  Request req;
  Reply reply;
  struct rtattr *linkinfo;

  if (!check_name (name, error))
    return FALSE;
  link_request_init (&req, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL);
  request_put_string (&req, IFLA_IFNAME, name);
  request_put_attr (&req, IFLA_ADDRESS, mac, 6);
  linkinfo = request_nest_start (&req, IFLA_LINKINFO);
  request_put_string (&req, IFLA_INFO_KIND, "bridge");
  request_nest_end (&req, linkinfo);
  transact (nl, &req, &reply);
  if (reply.errsv != 0)
    return set_reply_error (error, &reply, _("creating bridge %s"), name);
  return TRUE;
}

gboolean
pier_netlink_create_veth (PierNetlink *nl, const char *name, const char *master,
                          const char *peer_name, int peer_netns_fd, const guint8 peer_mac[6],
                          GError **error)
{
  Request req;
  Reply reply;
  struct ifinfomsg *ifi, *peer;
  struct rtattr *linkinfo, *data, *peer_attr;
  int master_index;

  if (!check_name (name, error) || !check_name (peer_name, error))
    return FALSE;
  master_index = require_link_index (nl, master, "creating veth pair", error);
  if (master_index < 0)
    return FALSE;

  ifi = link_request_init (&req, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL);
  ifi->ifi_flags = IFF_UP;
  ifi->ifi_change = IFF_UP;
  request_put_string (&req, IFLA_IFNAME, name);
  request_put_u32 (&req, IFLA_MASTER, master_index);
  linkinfo = request_nest_start (&req, IFLA_LINKINFO);
  request_put_string (&req, IFLA_INFO_KIND, "veth");
  data = request_nest_start (&req, IFLA_INFO_DATA);
  peer_attr = request_nest_start (&req, VETH_INFO_PEER);
  peer = request_reserve (&req, sizeof *peer);
  /* Not up yet: the kernel refuses (ENOTCONN) to open the peer before its other end is
   * linked to it. */
  peer->ifi_family = AF_UNSPEC;
  request_put_string (&req, IFLA_IFNAME, peer_name);
  request_put_attr (&req, IFLA_ADDRESS, peer_mac, 6);
  request_put_u32 (&req, IFLA_NET_NS_FD, peer_netns_fd);
  request_nest_end (&req, peer_attr);
  request_nest_end (&req, data);
  request_nest_end (&req, linkinfo);
  transact (nl, &req, &reply);
  if (reply.errsv != 0)
    return set_reply_error (error, &reply, _("creating veth pair %s/%s"), name, peer_name);
  return TRUE;
}

gboolean
pier_netlink_set_link_up (PierNetlink *nl, const char *name, GError **error)
{
  Request req;
  Reply reply;
  struct ifinfomsg *ifi;

  if (!check_name (name, error))
    return FALSE;
  ifi = link_request_init (&req, RTM_SETLINK, 0);
  ifi->ifi_flags = IFF_UP;
  ifi->ifi_change = IFF_UP;
  request_put_string (&req, IFLA_IFNAME, name);
  transact (nl, &req, &reply);
  if (reply.errsv != 0)
    return set_reply_error (error, &reply, _("bringing up %s"), name);
  return TRUE;
}

gboolean
pier_netlink_delete_link (PierNetlink *nl, const char *name, GError **error)
{
  Request req;
  Reply reply;

  if (!check_name (name, error))
    return FALSE;
  link_request_init (&req, RTM_DELLINK, 0);
  request_put_string (&req, IFLA_IFNAME, name);
  transact (nl, &req, &reply);
  if (reply.errsv != 0)
    return set_reply_error (error, &reply, _("deleting link %s"), name);
  return TRUE;
}

gboolean
pier_netlink_add_ipv4_address (PierNetlink *nl, const char *name, const struct in_addr *address,
                               guint prefix_len, GError **error)
{
  char text[INET_ADDRSTRLEN];
  g_autofree char *what = NULL;
  Request req;
  Reply reply;
  struct ifaddrmsg *ifa;
  int ifindex;

  inet_ntop (AF_INET, address, text, sizeof text);
  what = g_strdup_printf ("adding address %s/%u to %s", text, prefix_len, name);
  if (prefix_len > 32)
    {
      g_set_error (error, PIER_ERROR, PIER_ERROR_INVALID,
                   _("%s: prefix longer than 32 bits"), what);
      return FALSE;
    }
  if (!check_name (name, error))
    return FALSE;
  ifindex = require_link_index (nl, name, what, error);
  if (ifindex < 0)
    return FALSE;

  ifa = request_init (&req, RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL, sizeof *ifa);
  ifa->ifa_family = AF_INET;
  ifa->ifa_prefixlen = prefix_len;
  ifa->ifa_scope = RT_SCOPE_UNIVERSE;
  ifa->ifa_index = ifindex;
  request_put_attr (&req, IFA_LOCAL, address, sizeof *address);
  request_put_attr (&req, IFA_ADDRESS, address, sizeof *address);
  transact (nl, &req, &reply);
  if (reply.errsv != 0)
    return set_reply_error (error, &reply, "%s", what);
  return TRUE;
}

gboolean
pier_netlink_add_default_route (PierNetlink *nl, const char *name, const struct in_addr *gateway,
                                GError **error)
{
  char text[INET_ADDRSTRLEN];
  g_autofree char *what = NULL;
  Request req;
  Reply reply;
  struct rtmsg *rtm;
  int ifindex;

  inet_ntop (AF_INET, gateway, text, sizeof text);
  what = g_strdup_printf ("adding default route via %s on %s", text, name);
  if (!check_name (name, error))
    return FALSE;
  ifindex = require_link_index (nl, name, what, error);
  if (ifindex < 0)
    return FALSE;

  rtm = request_init (&req, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL, sizeof *rtm);
  rtm->rtm_family = AF_INET;
  rtm->rtm_table = RT_TABLE_MAIN;
  rtm->rtm_protocol = RTPROT_STATIC;
  rtm->rtm_scope = RT_SCOPE_UNIVERSE;
  rtm->rtm_type = RTN_UNICAST;
  request_put_attr (&req, RTA_GATEWAY, gateway, sizeof *gateway);
  request_put_u32 (&req, RTA_OIF, ifindex);
  transact (nl, &req, &reply);
  if (reply.errsv != 0)
    return set_reply_error (error, &reply, "%s", what);
  return TRUE;
}
