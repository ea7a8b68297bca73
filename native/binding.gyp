# node-gyp build of the Linux-only SO_BINDTODEVICE helper (see bindtodevice.c) and the ARP conflict
# probe's packet socket (arpprobe.c, same module).
# Built by scripts/build-native.mjs (`npm run build:native`); output: native/build/Release/bindtodevice.node.
# Plain C against node_api.h (and uv.h for the probe's poll handle): no node-addon-api, no C++ runtime.
{
  "targets": [
    {
      "target_name": "bindtodevice",
      "sources": ["bindtodevice.c", "arpprobe.c"],
      "defines": ["NAPI_VERSION=8"],
      "cflags_c": ["-std=gnu11", "-Wall", "-Wextra", "-Werror=implicit-function-declaration"]
    }
  ]
}
