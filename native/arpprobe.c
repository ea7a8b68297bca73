/*
 * arpprobe — ARP requests and replies on one interface, for the DHCP conflict probe
 * (src/dhcp/probe/arp-linux.ts). Part of the bindtodevice addon: bindtodevice.c's module init calls
 * arpprobe_init() to add these exports.
 *
 *   arpOpen(ifname: string, onPacket: (op, senderIp, senderMac, targetIp) => void)
 *       : { handle: External, ifindex: number, mac: string }
 *   arpSend(handle, targetIp: number, senderIp: number): void
 *   arpClose(handle): void                                  (idempotent)
 *
 * arpOpen makes an AF_PACKET/SOCK_DGRAM socket (non-blocking, close-on-exec) bound to ifname for
 * ETH_P_ARP only, and watches it with a uv_poll handle on Node's own event loop: no thread, no
 * threadpool slot held while waiting (the lease journal needs the threadpool). The socket is created with
 * protocol 0 and only bind() sets ETH_P_ARP + ifindex, so no frame from another interface is ever queued.
 * The poll handle is unref'd: an open probe alone does not keep the process alive.
 *
 * Every Ethernet/IPv4 ARP packet that arrives on the interface (requests and replies; our own outgoing
 * frames excluded) is handed to onPacket(op, senderIp, senderMac, targetIp) — IPs as unsigned 32-bit
 * numbers, MAC as "aa:bb:cc:dd:ee:ff" — from the event loop via napi_make_callback. Matching a packet to
 * a probe, timeouts and retries are the caller's business.
 *
 * arpSend broadcasts one ARP request "who has targetIp" with sender hardware address = the interface's
 * MAC and sender protocol address = senderIp (0 for an RFC 5227 probe). A full socket buffer or a down
 * interface is thrown as an Error (code EAGAIN / ENETDOWN ...), like bindtodevice.c's errors.
 *
 * Needs CAP_NET_RAW (EPERM otherwise). Only Ethernet interfaces (ARPHRD_ETHER) are accepted.
 * Uses node_api.h plus uv.h (napi_get_uv_event_loop); libuv's ABI is stable within its major version.
 */
#ifndef NAPI_VERSION
#define NAPI_VERSION 8
#endif
#include <node_api.h>

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef __linux__
#include <arpa/inet.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>
#include <uv.h>
#endif

napi_value arpprobe_init(napi_env env, napi_value exports);

#define ARP_CALL(env, call)                                                                                 \
  do {                                                                                                      \
    if ((call) != napi_ok) {                                                                                \
      bool pending_ = false;                                                                                \
      napi_is_exception_pending((env), &pending_);                                                          \
      if (!pending_) napi_throw_error((env), "EINTERNAL", "arpprobe: Node-API call failed: " #call);        \
      return NULL;                                                                                          \
    }                                                                                                       \
  } while (0)

#ifdef __linux__

#define ARP_LEN 28           /* Ethernet/IPv4 ARP payload */
#define MAX_READS_PER_WAKEUP 64

typedef struct {
  napi_env env;
  int fd;                    /* -1 once closed */
  int ifindex;
  unsigned char mac[6];
  uv_poll_t *poll;           /* freed by its close callback */
  napi_ref callback;
  napi_async_context async_ctx;
  bool hook_added;
} arp_sock;

static const char *arp_errno_name(int err) {
  switch (err) {
    case EPERM: return "EPERM";
    case EACCES: return "EACCES";
    case ENODEV: return "ENODEV";
    case ENXIO: return "ENXIO";
    case EINVAL: return "EINVAL";
    case EAGAIN: return "EAGAIN";
    case ENOBUFS: return "ENOBUFS";
    case ENOMEM: return "ENOMEM";
    case ENETDOWN: return "ENETDOWN";
    case EMFILE: return "EMFILE";
    case ENFILE: return "ENFILE";
    case EAFNOSUPPORT: return "EAFNOSUPPORT";
    case EOPNOTSUPP: return "EOPNOTSUPP";
    case EBADF: return "EBADF";
    default: return "EUNKNOWN";
  }
}

static napi_value arp_throw(napi_env env, const char *syscall, const char *what, int err) {
  char msg[256];
  snprintf(msg, sizeof msg, "%s failed: %s", what, strerror(err));
  napi_value code, message, error, errno_value, syscall_value;
  ARP_CALL(env, napi_create_string_utf8(env, arp_errno_name(err), NAPI_AUTO_LENGTH, &code));
  ARP_CALL(env, napi_create_string_utf8(env, msg, NAPI_AUTO_LENGTH, &message));
  ARP_CALL(env, napi_create_error(env, code, message, &error));
  ARP_CALL(env, napi_create_int32(env, -err, &errno_value));
  ARP_CALL(env, napi_set_named_property(env, error, "errno", errno_value));
  ARP_CALL(env, napi_create_string_utf8(env, syscall, NAPI_AUTO_LENGTH, &syscall_value));
  ARP_CALL(env, napi_set_named_property(env, error, "syscall", syscall_value));
  napi_throw(env, error);
  return NULL;
}

static void format_mac(const unsigned char *m, char out[18]) {
  snprintf(out, 18, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
}

static void on_poll_closed(uv_handle_t *h) { free(h); }

static void env_cleanup(void *arg);

/*
 * Stops watching and closes the socket. uv_close() stops the poll handle and drops the fd from epoll
 * synchronously, so closing the fd right after it is safe; the handle's memory goes in its close callback.
 * release_js: false from the env cleanup hook (the environment is being torn down and frees its references
 * itself).
 */
static void close_sock(arp_sock *s, bool release_js) {
  if (s->fd < 0) return;
  uv_close((uv_handle_t *)s->poll, on_poll_closed);
  s->poll = NULL;
  close(s->fd);
  s->fd = -1;
  if (s->hook_added) {
    napi_remove_env_cleanup_hook(s->env, env_cleanup, s);
    s->hook_added = false;
  }
  if (release_js) {
    if (s->callback != NULL) napi_delete_reference(s->env, s->callback);
    if (s->async_ctx != NULL) napi_async_destroy(s->env, s->async_ctx);
  }
  s->callback = NULL;
  s->async_ctx = NULL;
}

static void env_cleanup(void *arg) {
  arp_sock *s = arg;
  s->hook_added = false; /* Node has already removed it */
  close_sock(s, false);
}

static void finalize_sock(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  arp_sock *s = data;
  close_sock(s, true);
  free(s);
}

/* Hands one packet to JS; an exception it throws goes to process 'uncaughtException' (as for any event). */
static void deliver(arp_sock *s, uint16_t op, uint32_t spa, const unsigned char *sha, uint32_t tpa) {
  napi_env env = s->env;
  napi_value cb, recv, argv[4], result;
  char mac[18];
  format_mac(sha, mac);
  if (napi_get_reference_value(env, s->callback, &cb) != napi_ok || cb == NULL) return;
  if (napi_get_global(env, &recv) != napi_ok) return; /* make_callback needs an object receiver */
  if (napi_create_uint32(env, op, &argv[0]) != napi_ok) return;
  if (napi_create_uint32(env, spa, &argv[1]) != napi_ok) return;
  if (napi_create_string_utf8(env, mac, NAPI_AUTO_LENGTH, &argv[2]) != napi_ok) return;
  if (napi_create_uint32(env, tpa, &argv[3]) != napi_ok) return;
  napi_status st = napi_make_callback(env, s->async_ctx, recv, cb, 4, argv, &result);
  if (st != napi_ok) {
    bool pending = false;
    napi_is_exception_pending(env, &pending);
    if (pending) {
      napi_value err;
      if (napi_get_and_clear_last_exception(env, &err) == napi_ok) napi_fatal_exception(env, err);
    }
  }
}

static void on_readable(uv_poll_t *h, int status, int events) {
  (void)events;
  arp_sock *s = h->data;
  if (s == NULL || s->fd < 0 || status < 0) return;
  napi_handle_scope scope;
  if (napi_open_handle_scope(s->env, &scope) != napi_ok) return;
  for (int i = 0; i < MAX_READS_PER_WAKEUP && s->fd >= 0; i++) {
    unsigned char buf[128];
    struct sockaddr_ll from;
    socklen_t from_len = sizeof from;
    ssize_t n = recvfrom(s->fd, buf, sizeof buf, 0, (struct sockaddr *)&from, &from_len);
    if (n < 0) {
      if (errno == EINTR) continue;
      break; /* EAGAIN: drained; anything else: try again on the next wakeup */
    }
    if (from.sll_pkttype == PACKET_OUTGOING) continue; /* our own requests */
    if (n < ARP_LEN) continue;
    /* htype 1 (Ethernet), ptype 0x0800 (IPv4), hlen 6, plen 4 */
    if (buf[0] != 0 || buf[1] != 1 || buf[2] != 0x08 || buf[3] != 0x00 || buf[4] != 6 || buf[5] != 4) continue;
    uint16_t op = (uint16_t)((buf[6] << 8) | buf[7]);
    uint32_t spa = ((uint32_t)buf[14] << 24) | ((uint32_t)buf[15] << 16) | ((uint32_t)buf[16] << 8) | buf[17];
    uint32_t tpa = ((uint32_t)buf[24] << 24) | ((uint32_t)buf[25] << 16) | ((uint32_t)buf[26] << 8) | buf[27];
    deliver(s, op, spa, buf + 8, tpa);
  }
  napi_close_handle_scope(s->env, scope);
}

static bool get_sock(napi_env env, napi_value v, arp_sock **out) {
  napi_valuetype t;
  if (napi_typeof(env, v, &t) != napi_ok || t != napi_external) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "arpprobe: handle must be the handle from arpOpen");
    return false;
  }
  void *p = NULL;
  if (napi_get_value_external(env, v, &p) != napi_ok || p == NULL) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "arpprobe: bad handle");
    return false;
  }
  *out = p;
  return true;
}

static napi_value arp_open(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  ARP_CALL(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));

  napi_valuetype t;
  char ifname[IFNAMSIZ + 1];
  size_t ifname_len = 0;
  if (argc < 1 || napi_typeof(env, argv[0], &t) != napi_ok || t != napi_string) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "arpOpen: ifname must be a string");
    return NULL;
  }
  ARP_CALL(env, napi_get_value_string_utf8(env, argv[0], ifname, sizeof ifname, &ifname_len));
  if (ifname_len == 0 || ifname_len >= IFNAMSIZ || strlen(ifname) != ifname_len) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_VALUE", "arpOpen: ifname must be 1 to 15 bytes with no NUL");
    return NULL;
  }
  if (argc < 2 || napi_typeof(env, argv[1], &t) != napi_ok || t != napi_function) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "arpOpen: onPacket must be a function");
    return NULL;
  }

  uv_loop_t *loop = NULL;
  ARP_CALL(env, napi_get_uv_event_loop(env, &loop));

  char what[96];
  int err;
  int fd = socket(AF_PACKET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return arp_throw(env, "socket", "socket(AF_PACKET, SOCK_DGRAM)", errno);

  struct ifreq ifr;
  memset(&ifr, 0, sizeof ifr);
  memcpy(ifr.ifr_name, ifname, ifname_len);
  if (ioctl(fd, SIOCGIFINDEX, &ifr) != 0) {
    err = errno;
    close(fd);
    snprintf(what, sizeof what, "ioctl(SIOCGIFINDEX, %s)", ifname);
    return arp_throw(env, "ioctl", what, err == ENODEV ? ENODEV : err);
  }
  int ifindex = ifr.ifr_ifindex;
  if (ioctl(fd, SIOCGIFHWADDR, &ifr) != 0) {
    err = errno;
    close(fd);
    snprintf(what, sizeof what, "ioctl(SIOCGIFHWADDR, %s)", ifname);
    return arp_throw(env, "ioctl", what, err);
  }
  if (ifr.ifr_hwaddr.sa_family != ARPHRD_ETHER) {
    close(fd);
    snprintf(what, sizeof what, "arpOpen(%s): not an Ethernet interface (ARP hardware type %d)", ifname,
             (int)ifr.ifr_hwaddr.sa_family);
    return arp_throw(env, "ioctl", what, EOPNOTSUPP);
  }

  struct sockaddr_ll sll;
  memset(&sll, 0, sizeof sll);
  sll.sll_family = AF_PACKET;
  sll.sll_protocol = htons(ETH_P_ARP);
  sll.sll_ifindex = ifindex;
  if (bind(fd, (const struct sockaddr *)&sll, sizeof sll) != 0) {
    err = errno;
    close(fd);
    snprintf(what, sizeof what, "bind(AF_PACKET, ETH_P_ARP, %s)", ifname);
    return arp_throw(env, "bind", what, err);
  }

  arp_sock *s = calloc(1, sizeof *s);
  uv_poll_t *poll = calloc(1, sizeof *poll);
  if (s == NULL || poll == NULL) {
    free(s);
    free(poll);
    close(fd);
    return arp_throw(env, "calloc", "arpOpen", ENOMEM);
  }
  s->env = env;
  s->fd = fd;
  s->ifindex = ifindex;
  memcpy(s->mac, ifr.ifr_hwaddr.sa_data, 6);

  int uv_err = uv_poll_init_socket(loop, poll, fd);
  if (uv_err != 0) {
    free(s);
    free(poll);
    close(fd);
    return arp_throw(env, "uv_poll_init", "arpOpen: uv_poll_init", -uv_err);
  }
  poll->data = s;
  s->poll = poll;
  /* From here on, close_sock() undoes everything. */

  napi_value resource_name, resource, handle, result, v;
  char mac[18];
  format_mac(s->mac, mac);
  if (napi_create_reference(env, argv[1], 1, &s->callback) != napi_ok ||
      napi_create_object(env, &resource) != napi_ok ||
      napi_create_string_utf8(env, "switchyard:ArpProbe", NAPI_AUTO_LENGTH, &resource_name) != napi_ok ||
      napi_async_init(env, resource, resource_name, &s->async_ctx) != napi_ok ||
      napi_create_external(env, s, finalize_sock, NULL, &handle) != napi_ok) {
    close_sock(s, true);
    free(s);
    bool pending = false;
    napi_is_exception_pending(env, &pending);
    if (!pending) napi_throw_error(env, "EINTERNAL", "arpOpen: Node-API call failed");
    return NULL;
  }
  /* s now belongs to the External (freed by finalize_sock). */
  if (napi_add_env_cleanup_hook(env, env_cleanup, s) == napi_ok) s->hook_added = true;

  uv_err = uv_poll_start(poll, UV_READABLE, on_readable);
  if (uv_err != 0) {
    close_sock(s, true);
    return arp_throw(env, "uv_poll_start", "arpOpen: uv_poll_start", -uv_err);
  }
  uv_unref((uv_handle_t *)poll);

  ARP_CALL(env, napi_create_object(env, &result));
  ARP_CALL(env, napi_set_named_property(env, result, "handle", handle));
  ARP_CALL(env, napi_create_int32(env, ifindex, &v));
  ARP_CALL(env, napi_set_named_property(env, result, "ifindex", v));
  ARP_CALL(env, napi_create_string_utf8(env, mac, NAPI_AUTO_LENGTH, &v));
  ARP_CALL(env, napi_set_named_property(env, result, "mac", v));
  return result;
}

static bool get_u32(napi_env env, napi_value v, const char *name, uint32_t *out) {
  napi_valuetype t;
  double d = -1;
  if (napi_typeof(env, v, &t) != napi_ok || t != napi_number || napi_get_value_double(env, v, &d) != napi_ok ||
      !(d >= 0 && d <= 4294967295.0) || d != (double)(uint32_t)d) {
    char msg[96];
    snprintf(msg, sizeof msg, "arpSend: %s must be an integer 0..2^32-1 (an IPv4 address)", name);
    napi_throw_type_error(env, "ERR_INVALID_ARG_VALUE", msg);
    return false;
  }
  *out = (uint32_t)d;
  return true;
}

static napi_value arp_send(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  ARP_CALL(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 3) {
    napi_throw_type_error(env, "ERR_MISSING_ARGS", "arpSend(handle, targetIp, senderIp)");
    return NULL;
  }
  arp_sock *s;
  uint32_t tpa, spa;
  if (!get_sock(env, argv[0], &s) || !get_u32(env, argv[1], "targetIp", &tpa) ||
      !get_u32(env, argv[2], "senderIp", &spa))
    return NULL;
  if (s->fd < 0) return arp_throw(env, "sendto", "arpSend: socket closed", EBADF);

  unsigned char pkt[ARP_LEN];
  pkt[0] = 0, pkt[1] = 1;       /* htype Ethernet */
  pkt[2] = 0x08, pkt[3] = 0x00; /* ptype IPv4 */
  pkt[4] = 6, pkt[5] = 4;
  pkt[6] = 0, pkt[7] = 1;       /* op request */
  memcpy(pkt + 8, s->mac, 6);
  pkt[14] = (unsigned char)(spa >> 24), pkt[15] = (unsigned char)(spa >> 16);
  pkt[16] = (unsigned char)(spa >> 8), pkt[17] = (unsigned char)spa;
  memset(pkt + 18, 0, 6);
  pkt[24] = (unsigned char)(tpa >> 24), pkt[25] = (unsigned char)(tpa >> 16);
  pkt[26] = (unsigned char)(tpa >> 8), pkt[27] = (unsigned char)tpa;

  struct sockaddr_ll to;
  memset(&to, 0, sizeof to);
  to.sll_family = AF_PACKET;
  to.sll_protocol = htons(ETH_P_ARP);
  to.sll_ifindex = s->ifindex;
  to.sll_halen = 6;
  memset(to.sll_addr, 0xff, 6);
  ssize_t n;
  do {
    n = sendto(s->fd, pkt, sizeof pkt, 0, (const struct sockaddr *)&to, sizeof to);
  } while (n < 0 && errno == EINTR);
  if (n < 0) return arp_throw(env, "sendto", "sendto(ARP request)", errno);
  return NULL;
}

static napi_value arp_close(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  ARP_CALL(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  arp_sock *s;
  if (argc < 1 || !get_sock(env, argv[0], &s)) return NULL;
  close_sock(s, true);
  return NULL;
}

#else /* !__linux__ */

static napi_value arp_unsupported(napi_env env, napi_callback_info info) {
  (void)info;
  napi_throw_error(env, "ENOTSUP", "arpprobe: unsupported platform (AF_PACKET is Linux-only)");
  return NULL;
}
#define arp_open arp_unsupported
#define arp_send arp_unsupported
#define arp_close arp_unsupported

#endif

/* Adds arpOpen, arpSend and arpClose to exports; NULL (exception pending) on failure. */
napi_value arpprobe_init(napi_env env, napi_value exports) {
  static const struct {
    const char *name;
    napi_callback fn;
  } fns[] = {{"arpOpen", arp_open}, {"arpSend", arp_send}, {"arpClose", arp_close}};
  for (size_t i = 0; i < sizeof fns / sizeof fns[0]; i++) {
    napi_value fn;
    ARP_CALL(env, napi_create_function(env, fns[i].name, NAPI_AUTO_LENGTH, fns[i].fn, NULL, &fn));
    ARP_CALL(env, napi_set_named_property(env, exports, fns[i].name, fn));
  }
  return exports;
}
