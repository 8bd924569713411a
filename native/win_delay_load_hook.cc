// Lets the Windows addon load in a host executable of any name (Electron, Deno, single-executable applications),
// as node-gyp's own win_delay_load_hook.cc does for MSVC builds. Compiled only by scripts/build-win32.sh (mingw-w64),
// which takes node.exe's exports, Node-API and uv_get_osfhandle, from a delay-import library (dlltool -y): the
// import table then names no node.exe, and the hook below gives the running executable for "node.exe".
// Not in binding.gyp: node-gyp links its own hook into every MSVC build, and a second __pfnDliNotifyHook2 would not
// link; the #ifdef leaves the file empty for any other compiler.
#ifdef __MINGW32__
#include <windows.h>
// after windows.h, which it needs
#include <delayimp.h>
#include <stdlib.h>
#include <string.h>

// The descriptor is libnode_delay.a's (dlltool names it after the library), the helper the mingw-w64 runtime's
// (libmingwex, linked by default: no -ldelayimp as with MSVC), __ImageBase the linker's.
extern "C" const ImgDelayDescr __DELAY_IMPORT_DESCRIPTOR_libnode_delay_a;
extern "C" FARPROC WINAPI __delayLoadHelper2(PCImgDelayDescr, FARPROC*);
extern "C" IMAGE_DOS_HEADER __ImageBase;

static FARPROC WINAPI load_host(unsigned event, DelayLoadInfo* info) {
  if (event != dliNotePreLoadLibrary || _stricmp(info->szDll, "node.exe") != 0) return nullptr;
  HMODULE node = GetModuleHandleW(L"libnode.dll");  // a host that links Node as a DLL, as node-gyp's hook checks
  return reinterpret_cast<FARPROC>(node ? node : GetModuleHandleW(nullptr));
}

static bool missing = false;

static FARPROC WINAPI note_missing(unsigned event, DelayLoadInfo*) {
  if (event != dliFailGetProc) return nullptr;
  missing = true;
  return reinterpret_cast<FARPROC>(&abort);  // never called: the load fails
}

decltype(__pfnDliNotifyHook2) __pfnDliNotifyHook2 = load_host;
decltype(__pfnDliFailureHook2) __pfnDliFailureHook2 = note_missing;

// Binds every import at load, single-threaded under the loader lock, as the loader binds plain imports; a host that
// lacks one fails the load with ERROR_DLL_INIT_FAILED. Lazily, the first call of each function would go through
// binutils' x86-64 delay-load thunk, which saves only the integer argument registers: napi_create_double could
// lose its value (in xmm1) to __delayLoadHelper2 or GetProcAddress.
BOOL WINAPI DllMain(HINSTANCE, DWORD reason, LPVOID) {
  if (reason != DLL_PROCESS_ATTACH) return TRUE;
  const ImgDelayDescr& node = __DELAY_IMPORT_DESCRIPTOR_libnode_delay_a;
  for (auto iat = reinterpret_cast<FARPROC*>(reinterpret_cast<BYTE*>(&__ImageBase) + node.rvaIAT); *iat; iat++)
    __delayLoadHelper2(&node, iat);
  return !missing;
}
#endif
