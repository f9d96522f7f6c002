/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* libcurl, opened when the first registry or Docker Engine API call needs it. Linked, it would
 * make every start of pierctl and pier load the two dozen libraries it depends on (LDAP,
 * Kerberos, GnuTLS, libssh2...) and run their initialisers: the largest part of a container's
 * start-up time. The clients call libcurl's functions by their usual names, which this header
 * maps onto the loaded library once pier_curl_load() has succeeded. */

#define CURL_DISABLE_TYPECHECK 1
#include <curl/curl.h>
#include <glib.h>

G_BEGIN_DECLS

typedef struct {
  CURLcode (*global_init) (long flags);
  CURL *(*easy_init) (void);
  CURLcode (*easy_setopt) (CURL *curl, CURLoption option, ...);
  CURLcode (*easy_getinfo) (CURL *curl, CURLINFO info, ...);
  CURLcode (*easy_pause) (CURL *curl, int bitmask);
  const char *(*easy_strerror) (CURLcode code);
  void (*easy_cleanup) (CURL *curl);
  CURLM *(*multi_init) (void);
  CURLMcode (*multi_add_handle) (CURLM *multi, CURL *curl);
  CURLMcode (*multi_remove_handle) (CURLM *multi, CURL *curl);
  CURLMcode (*multi_perform) (CURLM *multi, int *running);
  CURLMcode (*multi_poll) (CURLM *multi, struct curl_waitfd extra_fds[], unsigned int n_extra,
                           int timeout_ms, int *ret);
  CURLMsg *(*multi_info_read) (CURLM *multi, int *msgs_in_queue);
  const char *(*multi_strerror) (CURLMcode code);
  CURLMcode (*multi_cleanup) (CURLM *multi);
  CURLSH *(*share_init) (void);
  CURLSHcode (*share_setopt) (CURLSH *share, CURLSHoption option, ...);
  CURLSHcode (*share_cleanup) (CURLSH *share);
  struct curl_slist *(*slist_append) (struct curl_slist *list, const char *data);
  void (*slist_free_all) (struct curl_slist *list);
} PierCurl;

/* Opens libcurl (once) and initialises it; a clear error when it is not installed. */
gboolean pier_curl_load (GError **error);
/* The loaded functions; only after pier_curl_load() succeeded. */
const PierCurl *pier_curl (void);

/* A multi handle whose descriptors a child process does not inherit. */
CURLM *pier_curl_multi_new (void);

/* curl.h defines some of these as macros of themselves; ours replace them. */
#undef curl_easy_setopt
#undef curl_easy_getinfo
#undef curl_share_setopt
#define curl_global_init (pier_curl ()->global_init)
#define curl_easy_init (pier_curl ()->easy_init)
#define curl_easy_setopt (pier_curl ()->easy_setopt)
#define curl_easy_getinfo (pier_curl ()->easy_getinfo)
#define curl_easy_pause (pier_curl ()->easy_pause)
#define curl_easy_strerror (pier_curl ()->easy_strerror)
#define curl_easy_cleanup (pier_curl ()->easy_cleanup)
#define curl_multi_init (pier_curl ()->multi_init)
#define curl_multi_add_handle (pier_curl ()->multi_add_handle)
#define curl_multi_remove_handle (pier_curl ()->multi_remove_handle)
#define curl_multi_perform (pier_curl ()->multi_perform)
#define curl_multi_poll (pier_curl ()->multi_poll)
#define curl_multi_info_read (pier_curl ()->multi_info_read)
#define curl_multi_strerror (pier_curl ()->multi_strerror)
#define curl_multi_cleanup (pier_curl ()->multi_cleanup)
#define curl_share_init (pier_curl ()->share_init)
#define curl_share_setopt (pier_curl ()->share_setopt)
#define curl_share_cleanup (pier_curl ()->share_cleanup)
#define curl_slist_append (pier_curl ()->slist_append)
#define curl_slist_free_all (pier_curl ()->slist_free_all)

G_END_DECLS
