/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Parsers of the /proc/PID files the process scanner reads. */
#include "pier-proc-files-private.h"

#include <string.h>

const char *
pier_proc_parse_u64 (const char *p, const char *end, guint64 *out)
{
  guint64 v = 0;
  gboolean negative = FALSE;

  while (p < end && (*p == ' ' || *p == '\t'))
    p++;
  if (p < end && *p == '-')
    {
      negative = TRUE;
      p++;
    }
  if (p == end || *p < '0' || *p > '9')
    return NULL;
  while (p < end && *p >= '0' && *p <= '9')
    v = v * 10 + (guint64) (*p++ - '0');
  *out = negative ? (guint64) -(gint64) v : v;
  return p;
}

/* /proc/PID/stat: "pid (comm) state f4 f5 ...": comm may hold spaces and parentheses, so the
 * fields start after the last ')'. */
gboolean
pier_proc_parse_stat (const char *buf, gsize len, PierProcStat *st)
{
  const char *end = buf + len;
  const char *open = memchr (buf, '(', len);
  const char *close = memrchr (buf, ')', len);
  guint64 f[53] = { 0 };
  const char *p;
  gsize comm_len;
  int i;

  if (open == NULL || close == NULL || close < open || close + 3 >= end)
    return FALSE;
  comm_len = MIN ((gsize) (close - open - 1), sizeof st->comm - 1);
  memcpy (st->comm, open + 1, comm_len);
  st->comm[comm_len] = '\0';
  st->state = close[2];
  p = close + 3;
  for (i = 4; i < (int) G_N_ELEMENTS (f); i++)
    {
      const char *next = pier_proc_parse_u64 (p, end, &f[i]);
      if (next == NULL)
        break;
      p = next;
    }
  if (i <= 24) /* older than anything Pier runs on, or not a stat file */
    return FALSE;
  st->ppid = (int) f[4];
  st->pgrp = (int) f[5];
  st->session = (int) f[6];
  st->tty_nr = (guint32) f[7];
  st->flags = (guint32) f[9];
  st->utime = f[14];
  st->stime = f[15];
  st->threads = (guint32) f[20];
  st->start = f[22];
  st->rss_pages = f[24];
  st->start_code = f[26];
  st->arg_start = f[48];
  st->arg_end = f[49];
  return TRUE;
}

/* "NSpid:\t4321\t1": the first number is in the scanner's namespace, the last in the
 * process's own. */
static int
last_number (const char *p, const char *eol, int *first, int *count)
{
  guint64 v = 0;
  int n = 0;

  for (;;)
    {
      const char *next = pier_proc_parse_u64 (p, eol, &v);
      if (next == NULL)
        break;
      if (n == 0 && first)
        *first = (int) v;
      p = next;
      n++;
    }
  if (count)
    *count = n;
  return (int) v;
}

gboolean
pier_proc_parse_status (const char *buf, gsize len, PierProcStatus *out)
{
  const char *p = buf, *end = buf + len;
  guint found = 0;

  while (p < end)
    {
      const char *eol = memchr (p, '\n', end - p);
      guint64 v;

      if (eol == NULL)
        eol = end;
#define KEY(k) (eol - p > (long) sizeof k - 1 && memcmp (p, k, sizeof k - 1) == 0)
      if (KEY ("Name:"))
        {
          const char *name = p + 5 + (eol - p > 5 && p[5] == '\t');
          gsize name_len = MIN ((gsize) (eol - name), sizeof out->name - 1);
          memcpy (out->name, name, name_len);
          out->name[name_len] = '\0';
          found |= 16;
        }
      else if (KEY ("Tgid:") && pier_proc_parse_u64 (p + 5, eol, &v))
        out->tgid = (int) v, found |= 1;
      else if (KEY ("Uid:") && pier_proc_parse_u64 (p + 4, eol, &v))
        out->uid = (guint32) v, found |= 2;
      else if (KEY ("Gid:") && pier_proc_parse_u64 (p + 4, eol, &v))
        out->gid = (guint32) v, found |= 4;
      else if (KEY ("NSpid:"))
        out->ns_pid = last_number (p + 6, eol, NULL, &out->levels), found |= 8;
      else if (KEY ("NSpgid:"))
        out->ns_pgid = last_number (p + 7, eol, &out->pgrp, NULL);
      else if (KEY ("NSsid:"))
        {
          out->ns_sid = last_number (p + 6, eol, &out->session, NULL);
          found |= 32;
          break; /* nothing further is needed */
        }
#undef KEY
      p = eol + 1;
    }
  return found == 63 && out->levels > 0;
}

/* "user:[4026531837]" */
guint64
pier_proc_parse_ns_link (const char *link, gssize len)
{
  const char *open = len > 0 ? memchr (link, '[', len) : NULL;
  guint64 ino = 0;

  if (open == NULL || pier_proc_parse_u64 (open + 1, link + len, &ino) == NULL)
    return 0;
  return ino;
}

GArray *
pier_proc_parse_id_map (const char *buf, gsize len)
{
  GArray *map = g_array_new (FALSE, FALSE, sizeof (PierIdExtent));
  const char *p = buf, *end = buf + len;

  while (p < end)
    {
      guint64 first, lower, count;
      const char *q;

      if ((q = pier_proc_parse_u64 (p, end, &first)) && (q = pier_proc_parse_u64 (q, end, &lower))
          && (q = pier_proc_parse_u64 (q, end, &count)))
        {
          PierIdExtent e = { (guint32) first, (guint32) lower, (guint32) count };
          g_array_append_val (map, e);
        }
      q = memchr (p, '\n', end - p);
      if (q == NULL)
        break;
      p = q + 1;
    }
  return map;
}

guint32
pier_proc_map_id (GArray *map, guint32 host_id, guint32 overflow)
{
  for (guint i = 0; i < map->len; i++)
    {
      const PierIdExtent *e = &g_array_index (map, PierIdExtent, i);
      if (host_id >= e->lower && host_id - e->lower < e->count)
        return e->first + (host_id - e->lower);
    }
  return overflow;
}

guint32
pier_proc_map_id_outward (GArray *map, guint32 id, guint32 unmapped)
{
  for (guint i = 0; i < map->len; i++)
    {
      const PierIdExtent *e = &g_array_index (map, PierIdExtent, i);
      if (id >= e->first && id - e->first < e->count)
        return e->lower + (id - e->first);
    }
  return unmapped;
}

gboolean
pier_proc_id_map_is_full (GArray *map)
{
  guint64 total = 0;

  /* extents never overlap: the kernel refuses such maps */
  for (guint i = 0; i < map->len; i++)
    total += g_array_index (map, PierIdExtent, i).count;
  return total >= G_MAXUINT32;
}

const char *
pier_proc_tty_name (guint32 tty_nr)
{
  guint major = (tty_nr >> 8) & 0xfff;
  guint minor = (tty_nr & 0xff) | ((tty_nr >> 12) & 0xfff00);
  char name[32];

  if (tty_nr == 0)
    return NULL;
  if (major >= 136 && major <= 143)
    g_snprintf (name, sizeof name, "pts/%u", (major - 136) * 256 + minor);
  else if (major == 4 && minor < 64)
    g_snprintf (name, sizeof name, "tty%u", minor);
  else if (major == 4)
    g_snprintf (name, sizeof name, "ttyS%u", minor - 64);
  else if (major == 5 && minor == 1)
    return "console";
  else
    return NULL;
  return g_intern_string (name);
}
