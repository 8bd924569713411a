{
  "targets": [{
    "target_name": "fs_flock",
    "sources": ["native/binding.cc", "native/waiter.cc", "native/pool.cc"],
    "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
    "defines": ["NAPI_VERSION=8", "NAPI_DISABLE_CPP_EXCEPTIONS", "NODE_API_SWALLOW_UNTHROWABLE_EXCEPTIONS", "NODE_ADDON_API_DISABLE_DEPRECATED"],
    "cflags_cc": ["-std=c++17", "-fexceptions", "-fstack-protector-strong"],
    "cflags_cc!": ["-fno-exceptions"],
    "conditions": [
      ["OS=='win'", {
        # Not native/win_delay_load_hook.cc, which is for the mingw-w64 build: node-gyp links its own hook here.
        "sources": ["native/lock_win.cc"],
        "msvs_settings": {
          "VCCLCompilerTool": {"ExceptionHandling": 1, "AdditionalOptions": ["/std:c++17", "/guard:cf", "/sdl"]},
          "VCLinkerTool": {"AdditionalOptions": ["/guard:cf"]}
        }
      }, {
        "sources": ["native/lock_posix.cc"]
      }],
      ["OS=='linux'", {"libraries": ["-ldl"]}],
      ["OS=='mac'", {
        "xcode_settings": {
          "GCC_ENABLE_CPP_EXCEPTIONS": "YES",
          "CLANG_CXX_LANGUAGE_STANDARD": "c++17",
          "MACOSX_DEPLOYMENT_TARGET": "10.15"
        }
      }]
    ]
  }]
}
