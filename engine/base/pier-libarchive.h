/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* libarchive, opened on first use. Debian's links libxml2, ICU and libstdc++ for formats Pier
 * never reads; linked, they would load and initialise at every start of pierctl, a large part
 * of a container's start-up time. The engine calls libarchive by its usual names, which this
 * header maps onto the loaded library. Include it instead of <archive.h>. */

#include <archive.h>
#include <archive_entry.h>

#define PIER_LIBARCHIVE_FUNCTIONS(X) \
  X (archive_entry_atime) \
  X (archive_entry_atime_is_set) \
  X (archive_entry_atime_nsec) \
  X (archive_entry_clear) \
  X (archive_entry_filetype) \
  X (archive_entry_free) \
  X (archive_entry_gid) \
  X (archive_entry_hardlink) \
  X (archive_entry_hardlink_utf8) \
  X (archive_entry_mtime) \
  X (archive_entry_mtime_nsec) \
  X (archive_entry_new) \
  X (archive_entry_pathname) \
  X (archive_entry_pathname_utf8) \
  X (archive_entry_perm) \
  X (archive_entry_rdevmajor) \
  X (archive_entry_rdevminor) \
  X (archive_entry_set_gid) \
  X (archive_entry_set_hardlink) \
  X (archive_entry_set_mode) \
  X (archive_entry_set_mtime) \
  X (archive_entry_set_pathname) \
  X (archive_entry_set_rdev) \
  X (archive_entry_set_size) \
  X (archive_entry_set_symlink) \
  X (archive_entry_set_uid) \
  X (archive_entry_size) \
  X (archive_entry_sparse_add_entry) \
  X (archive_entry_sparse_next) \
  X (archive_entry_sparse_reset) \
  X (archive_entry_symlink) \
  X (archive_entry_symlink_utf8) \
  X (archive_entry_uid) \
  X (archive_entry_xattr_add_entry) \
  X (archive_entry_xattr_next) \
  X (archive_entry_xattr_reset) \
  X (archive_errno) \
  X (archive_error_string) \
  X (archive_filter_bytes) \
  X (archive_read_data) \
  X (archive_read_data_block) \
  X (archive_read_free) \
  X (archive_read_header_position) \
  X (archive_read_new) \
  X (archive_read_next_header) \
  X (archive_read_open) \
  X (archive_read_support_filter_gzip) \
  X (archive_read_support_filter_none) \
  X (archive_read_support_format_gnutar) \
  X (archive_read_support_format_tar) \
  X (archive_set_error) \
  X (archive_write_close) \
  X (archive_write_data) \
  X (archive_write_fail) \
  X (archive_write_free) \
  X (archive_write_header) \
  X (archive_write_new) \
  X (archive_write_open) \
  X (archive_write_open2) \
  X (archive_write_set_bytes_per_block) \
  X (archive_write_set_format_option) \
  X (archive_write_set_format_pax_restricted)

typedef struct {
#define PIER_LIBARCHIVE_DECLARE(name) __typeof__ (name) *fn_##name;
  PIER_LIBARCHIVE_FUNCTIONS (PIER_LIBARCHIVE_DECLARE)
#undef PIER_LIBARCHIVE_DECLARE
} PierLibarchive;

/* The loaded functions; libarchive is part of every installation (scripts/deps.sh), so failing
 * to open it is fatal, with a message saying what is missing. */
const PierLibarchive *pier_libarchive (void);

#define archive_entry_atime (pier_libarchive ()->fn_archive_entry_atime)
#define archive_entry_atime_is_set (pier_libarchive ()->fn_archive_entry_atime_is_set)
#define archive_entry_atime_nsec (pier_libarchive ()->fn_archive_entry_atime_nsec)
#define archive_entry_clear (pier_libarchive ()->fn_archive_entry_clear)
#define archive_entry_filetype (pier_libarchive ()->fn_archive_entry_filetype)
#define archive_entry_free (pier_libarchive ()->fn_archive_entry_free)
#define archive_entry_gid (pier_libarchive ()->fn_archive_entry_gid)
#define archive_entry_hardlink (pier_libarchive ()->fn_archive_entry_hardlink)
#define archive_entry_hardlink_utf8 (pier_libarchive ()->fn_archive_entry_hardlink_utf8)
#define archive_entry_mtime (pier_libarchive ()->fn_archive_entry_mtime)
#define archive_entry_mtime_nsec (pier_libarchive ()->fn_archive_entry_mtime_nsec)
#define archive_entry_new (pier_libarchive ()->fn_archive_entry_new)
#define archive_entry_pathname (pier_libarchive ()->fn_archive_entry_pathname)
#define archive_entry_pathname_utf8 (pier_libarchive ()->fn_archive_entry_pathname_utf8)
#define archive_entry_perm (pier_libarchive ()->fn_archive_entry_perm)
#define archive_entry_rdevmajor (pier_libarchive ()->fn_archive_entry_rdevmajor)
#define archive_entry_rdevminor (pier_libarchive ()->fn_archive_entry_rdevminor)
#define archive_entry_set_gid (pier_libarchive ()->fn_archive_entry_set_gid)
#define archive_entry_set_hardlink (pier_libarchive ()->fn_archive_entry_set_hardlink)
#define archive_entry_set_mode (pier_libarchive ()->fn_archive_entry_set_mode)
#define archive_entry_set_mtime (pier_libarchive ()->fn_archive_entry_set_mtime)
#define archive_entry_set_pathname (pier_libarchive ()->fn_archive_entry_set_pathname)
#define archive_entry_set_rdev (pier_libarchive ()->fn_archive_entry_set_rdev)
#define archive_entry_set_size (pier_libarchive ()->fn_archive_entry_set_size)
#define archive_entry_set_symlink (pier_libarchive ()->fn_archive_entry_set_symlink)
#define archive_entry_set_uid (pier_libarchive ()->fn_archive_entry_set_uid)
#define archive_entry_size (pier_libarchive ()->fn_archive_entry_size)
#define archive_entry_sparse_add_entry (pier_libarchive ()->fn_archive_entry_sparse_add_entry)
#define archive_entry_sparse_next (pier_libarchive ()->fn_archive_entry_sparse_next)
#define archive_entry_sparse_reset (pier_libarchive ()->fn_archive_entry_sparse_reset)
#define archive_entry_symlink (pier_libarchive ()->fn_archive_entry_symlink)
#define archive_entry_symlink_utf8 (pier_libarchive ()->fn_archive_entry_symlink_utf8)
#define archive_entry_uid (pier_libarchive ()->fn_archive_entry_uid)
#define archive_entry_xattr_add_entry (pier_libarchive ()->fn_archive_entry_xattr_add_entry)
#define archive_entry_xattr_next (pier_libarchive ()->fn_archive_entry_xattr_next)
#define archive_entry_xattr_reset (pier_libarchive ()->fn_archive_entry_xattr_reset)
#define archive_errno (pier_libarchive ()->fn_archive_errno)
#define archive_error_string (pier_libarchive ()->fn_archive_error_string)
#define archive_filter_bytes (pier_libarchive ()->fn_archive_filter_bytes)
#define archive_read_data (pier_libarchive ()->fn_archive_read_data)
#define archive_read_data_block (pier_libarchive ()->fn_archive_read_data_block)
#define archive_read_free (pier_libarchive ()->fn_archive_read_free)
#define archive_read_header_position (pier_libarchive ()->fn_archive_read_header_position)
#define archive_read_new (pier_libarchive ()->fn_archive_read_new)
#define archive_read_next_header (pier_libarchive ()->fn_archive_read_next_header)
#define archive_read_open (pier_libarchive ()->fn_archive_read_open)
#define archive_read_support_filter_gzip (pier_libarchive ()->fn_archive_read_support_filter_gzip)
#define archive_read_support_filter_none (pier_libarchive ()->fn_archive_read_support_filter_none)
#define archive_read_support_format_gnutar (pier_libarchive ()->fn_archive_read_support_format_gnutar)
#define archive_read_support_format_tar (pier_libarchive ()->fn_archive_read_support_format_tar)
#define archive_set_error (pier_libarchive ()->fn_archive_set_error)
#define archive_write_close (pier_libarchive ()->fn_archive_write_close)
#define archive_write_data (pier_libarchive ()->fn_archive_write_data)
#define archive_write_fail (pier_libarchive ()->fn_archive_write_fail)
#define archive_write_free (pier_libarchive ()->fn_archive_write_free)
#define archive_write_header (pier_libarchive ()->fn_archive_write_header)
#define archive_write_new (pier_libarchive ()->fn_archive_write_new)
#define archive_write_open (pier_libarchive ()->fn_archive_write_open)
#define archive_write_open2 (pier_libarchive ()->fn_archive_write_open2)
#define archive_write_set_bytes_per_block (pier_libarchive ()->fn_archive_write_set_bytes_per_block)
#define archive_write_set_format_option (pier_libarchive ()->fn_archive_write_set_format_option)
#define archive_write_set_format_pax_restricted (pier_libarchive ()->fn_archive_write_set_format_pax_restricted)
