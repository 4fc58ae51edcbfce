{
  "targets": [
    {
      "target_name": "gw_dataplane",
      "sources": [
        "<!@(ls addon/*.cc src/runtime/*.c)"
      ],
      "include_dirs": [
        "<!(node -p \"require('node-addon-api').include_dir\")",
        "include",
        "src/modules",
        "tables",
        "src/runtime"
      ],
      "defines": ["NAPI_VERSION=8", "NODE_ADDON_API_DISABLE_DEPRECATED", "ALLOW_EXPERIMENTAL_API"],
      "cflags!": ["-fno-exceptions"],
      "cflags_cc!": ["-fno-exceptions", "-std=gnu++17", "-fno-rtti"],
      "cflags": ["<!@(pkg-config --cflags libdpdk)", "-O2", "-Wall", "-Wextra", "-Werror", "-Wno-missing-field-initializers"],
      "cflags_c": ["-std=gnu11"],
      "cflags_cc": ["-std=c++17", "-fexceptions", "-Wno-cast-function-type"],
      "libraries": [
        "<(module_root_dir)/out/libgwpipeline.a",
        "<!@(pkg-config --libs libdpdk)"
      ]
    }
  ]
}
