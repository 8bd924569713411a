# The addon's build recipe outside node-gyp (sourced by the prebuild, Windows and sanitizer scripts; binding.gyp
# says the same for node-gyp): the sources, the include directories and the defines.
# shellcheck shell=bash
native_sources=(native/binding.cc native/waiter.cc native/pool.cc)
native_includes=(-I "$(node -p "require('node-addon-api').include_dir")" -I "$(node -p "require('node-api-headers').include_dir")")
native_defines=(-DNAPI_VERSION=8 -DNAPI_DISABLE_CPP_EXCEPTIONS -DNODE_API_SWALLOW_UNTHROWABLE_EXCEPTIONS
  -DNODE_ADDON_API_DISABLE_DEPRECATED)
