/*
 * bindtodevice — the one piece of switchyard that Node's dgram cannot do: a UDP socket that only sees
 * (and only sends through) one network interface, on Linux.
 *
 *   openBoundUdpSocket(ifname: string, port: number, address?: string, reuseAddr?: boolean): number
 *
 * Creates an AF_INET/SOCK_DGRAM socket (close-on-exec, non-blocking), sets SO_BROADCAST and
 * SO_BINDTODEVICE=ifname, optionally SO_REUSEADDR, binds it to address:port (default 0.0.0.0) and returns
 * the descriptor. The caller hands it to `dgram.createSocket('udp4').bind({ fd })`, which takes ownership
 * (closing the dgram socket closes the fd).
 *
 * Why (docs/dhcp.md#where-it-answers): on Linux a socket bound to a unicast address never receives
 * 255.255.255.255, and one bound to 0.0.0.0 receives broadcasts from every interface and sends
 * 255.255.255.255 wherever the routing table says (ENETUNREACH without a default route). SO_BINDTODEVICE
 * fixes both: only datagrams that arrived on ifname are delivered, and replies leave through ifname.
 *
 * SO_REUSEADDR is OFF unless asked for. UDP has no TIME_WAIT, so a restarted daemon can rebind the port at
 * once without it; what SO_REUSEADDR does for UDP on Linux is let several sockets share the port, and a
 * broadcast is then delivered to all of them. Left off, a second server on the same interface (another
 * switchyard, dnsmasq --bind-interfaces, ...) makes bind() fail with EADDRINUSE instead of two servers
 * answering. Servers bound to *other* devices never conflict with this socket, with or without it.
 *
 * Errors are thrown as JS Errors: message "<syscall> failed: <strerror>", plus `code` (errno name, e.g.
 * "EADDRINUSE"), `errno` (negative errno, like Node's own system errors) and `syscall`.
 * Only node_api.h is used (Node-API version 8; ABI-stable, no rebuild per Node version).
 */
#ifndef NAPI_VERSION
#define NAPI_VERSION 8
#endif
#include <node_api.h>

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#ifdef __linux__
#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>
#endif

/* Fails the current call if a Node-API call did not succeed (an exception may already be pending). */
#define NAPI_CALL(env, call)                                                                                \
  do {                                                                                                      \
    if ((call) != napi_ok) {                                                                                \
      bool pending_ = false;                                                                                \
      napi_is_exception_pending((env), &pending_);                                                          \
      if (!pending_) napi_throw_error((env), "EINTERNAL", "bindtodevice: Node-API call failed: " #call);    \
      return NULL;                                                                                          \
    }                                                                                                       \
  } while (0)

#ifdef __linux__

static const char *errno_name(int err) {
  switch (err) {
    case EPERM: return "EPERM";
    case ENOENT: return "ENOENT";
    case EINTR: return "EINTR";
    case EBADF: return "EBADF";
    case EAGAIN: return "EAGAIN";
    case ENOMEM: return "ENOMEM";
    case EACCES: return "EACCES";
    case EFAULT: return "EFAULT";
    case EBUSY: return "EBUSY";
    case ENODEV: return "ENODEV";
    case EINVAL: return "EINVAL";
    case ENFILE: return "ENFILE";
    case EMFILE: return "EMFILE";
    case ENOTSOCK: return "ENOTSOCK";
    case ENOPROTOOPT: return "ENOPROTOOPT";
    case EPROTONOSUPPORT: return "EPROTONOSUPPORT";
    case EOPNOTSUPP: return "EOPNOTSUPP";
    case EAFNOSUPPORT: return "EAFNOSUPPORT";
    case EADDRINUSE: return "EADDRINUSE";
    case EADDRNOTAVAIL: return "EADDRNOTAVAIL";
    case ENETDOWN: return "ENETDOWN";
    case ENOBUFS: return "ENOBUFS";
    default: return "EUNKNOWN";
  }
}

/* Throws Error("<what> failed: <strerror>") with code/errno/syscall set. Always returns NULL. */
static napi_value throw_errno(napi_env env, const char *syscall, const char *what, int err) {
  char msg[256];
  snprintf(msg, sizeof msg, "%s failed: %s", what, strerror(err));
  napi_value code, message, error, errno_value, syscall_value;
  NAPI_CALL(env, napi_create_string_utf8(env, errno_name(err), NAPI_AUTO_LENGTH, &code));
  NAPI_CALL(env, napi_create_string_utf8(env, msg, NAPI_AUTO_LENGTH, &message));
  NAPI_CALL(env, napi_create_error(env, code, message, &error));
  NAPI_CALL(env, napi_create_int32(env, -err, &errno_value));
  NAPI_CALL(env, napi_set_named_property(env, error, "errno", errno_value));
  NAPI_CALL(env, napi_create_string_utf8(env, syscall, NAPI_AUTO_LENGTH, &syscall_value));
  NAPI_CALL(env, napi_set_named_property(env, error, "syscall", syscall_value));
  napi_throw(env, error);
  return NULL;
}

static napi_value open_bound_udp_socket(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  NAPI_CALL(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));

  /* ifname: 1..IFNAMSIZ-1 bytes, no NUL (the kernel would silently truncate a longer name). */
  napi_valuetype t;
  char ifname[IFNAMSIZ + 1];
  size_t ifname_len = 0;
  if (argc < 1 || napi_typeof(env, argv[0], &t) != napi_ok || t != napi_string) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "openBoundUdpSocket: ifname must be a string");
    return NULL;
  }
  NAPI_CALL(env, napi_get_value_string_utf8(env, argv[0], ifname, sizeof ifname, &ifname_len));
  if (ifname_len == 0 || ifname_len >= IFNAMSIZ || strlen(ifname) != ifname_len) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_VALUE",
                          "openBoundUdpSocket: ifname must be 1 to 15 bytes with no NUL");
    return NULL;
  }

  /* port: an integer 0..65535. */
  double port_d = -1;
  if (argc < 2 || napi_typeof(env, argv[1], &t) != napi_ok || t != napi_number) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "openBoundUdpSocket: port must be a number");
    return NULL;
  }
  NAPI_CALL(env, napi_get_value_double(env, argv[1], &port_d));
  if (!(port_d >= 0 && port_d <= 65535) || port_d != (double)(int)port_d) {
    napi_throw_range_error(env, "ERR_OUT_OF_RANGE", "openBoundUdpSocket: port must be an integer 0..65535");
    return NULL;
  }

  /* address: optional dotted quad, default 0.0.0.0. */
  struct sockaddr_in sa;
  memset(&sa, 0, sizeof sa);
  sa.sin_family = AF_INET;
  sa.sin_port = htons((unsigned short)port_d);
  sa.sin_addr.s_addr = htonl(INADDR_ANY);
  char addr[INET_ADDRSTRLEN + 1] = "0.0.0.0";
  if (argc >= 3 && napi_typeof(env, argv[2], &t) == napi_ok && t != napi_undefined) {
    size_t addr_len = 0;
    if (t != napi_string) {
      napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "openBoundUdpSocket: address must be a string");
      return NULL;
    }
    NAPI_CALL(env, napi_get_value_string_utf8(env, argv[2], addr, sizeof addr, &addr_len));
    if (addr_len >= INET_ADDRSTRLEN || inet_pton(AF_INET, addr, &sa.sin_addr) != 1) {
      napi_throw_type_error(env, "ERR_INVALID_ARG_VALUE",
                            "openBoundUdpSocket: address must be a dotted-quad IPv4 address");
      return NULL;
    }
  }

  /* reuseAddr: optional boolean, default false (see the header comment). */
  bool reuse_addr = false;
  if (argc >= 4 && napi_typeof(env, argv[3], &t) == napi_ok && t != napi_undefined) {
    if (t != napi_boolean) {
      napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "openBoundUdpSocket: reuseAddr must be a boolean");
      return NULL;
    }
    NAPI_CALL(env, napi_get_value_bool(env, argv[3], &reuse_addr));
  }

  int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, IPPROTO_UDP);
  if (fd < 0) return throw_errno(env, "socket", "socket(AF_INET, SOCK_DGRAM)", errno);

  const int one = 1;
  char what[96];
  int err;
  if (reuse_addr && setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0) {
    err = errno;
    close(fd);
    return throw_errno(env, "setsockopt", "setsockopt(SO_REUSEADDR)", err);
  }
  if (setsockopt(fd, SOL_SOCKET, SO_BROADCAST, &one, sizeof one) != 0) {
    err = errno;
    close(fd);
    return throw_errno(env, "setsockopt", "setsockopt(SO_BROADCAST)", err);
  }
  /* Before bind(): the kernel's port-conflict check takes the bound device into account. */
  if (setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, ifname, (socklen_t)(ifname_len + 1)) != 0) {
    err = errno;
    close(fd);
    snprintf(what, sizeof what, "setsockopt(SO_BINDTODEVICE, %s)", ifname);
    return throw_errno(env, "setsockopt", what, err);
  }
  if (bind(fd, (const struct sockaddr *)&sa, sizeof sa) != 0) {
    err = errno;
    close(fd);
    snprintf(what, sizeof what, "bind(%s:%d)", addr, (int)port_d);
    return throw_errno(env, "bind", what, err);
  }

  napi_value result;
  if (napi_create_int32(env, fd, &result) != napi_ok) {
    close(fd);
    napi_throw_error(env, "EINTERNAL", "bindtodevice: napi_create_int32 failed");
    return NULL;
  }
  return result;
}

#else /* !__linux__ */

static napi_value open_bound_udp_socket(napi_env env, napi_callback_info info) {
  (void)info;
  napi_throw_error(env, "ENOTSUP", "openBoundUdpSocket: unsupported platform (SO_BINDTODEVICE is Linux-only)");
  return NULL;
}

#endif

/* native/arpprobe.c: arpOpen/arpSend/arpClose for the DHCP conflict probe (src/dhcp/probe/arp-linux.ts). */
napi_value arpprobe_init(napi_env env, napi_value exports);

NAPI_MODULE_INIT() {
  napi_value fn;
  NAPI_CALL(env, napi_create_function(env, "openBoundUdpSocket", NAPI_AUTO_LENGTH, open_bound_udp_socket,
                                      NULL, &fn));
  NAPI_CALL(env, napi_set_named_property(env, exports, "openBoundUdpSocket", fn));
  return arpprobe_init(env, exports);
}
