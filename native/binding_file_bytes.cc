// A model file's bytes outside the malloc heap, handed back the moment the reader is done: readFileBytes(path)
// reads the file into anonymous pages of its own (an ArrayBuffer over them), releaseFileBytes(buffer) detaches
// that buffer (its views read as empty from then on) and returns the pages to the system at once. A heap buffer
// of the file's size, freed after the load, would stay in the process's RSS: glibc raises its mmap threshold
// past such sizes after the first large free, and keeps what is freed below it.
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <unordered_map>

#include "binding_registry.h"
#include "binding_util.h"

namespace ernie_slim {

namespace {

// One file's pages; `live` until released (by releaseFileBytes, or by the buffer's finalizer, whichever is first).
struct Pages {
  void* address;
  size_t length;
  bool live = true;
};

// The live pages by address, for releaseFileBytes (which sees only the buffer). JavaScript's thread only.
std::unordered_map<void*, Pages*>& LivePages() {
  static auto* pages = new std::unordered_map<void*, Pages*>();
  return *pages;
}

void Unmap(Pages* pages) {
  if (!pages->live) return;
  pages->live = false;
  LivePages().erase(pages->address);
  munmap(pages->address, pages->length);
}

[[noreturn]] void FailErrno(Napi::Env env, const char* what, int error) {
  Napi::Error e = Napi::Error::New(env, std::string("readFileBytes: ") + what + " (" + std::strerror(error) + ")");
  e.Set("errno", Napi::Number::New(env, error));
  throw e;
}

// readFileBytes(path) -> ArrayBuffer (a file of 0 bytes, or one that is not a regular file, is an error: the
// caller reads those the ordinary way, which names what is wrong)
Napi::Value ReadFileBytes(const Napi::CallbackInfo& info) {
  const Caller c{info.Env(), "readFileBytes"};
  const std::string path = ReadString(c, info[0], "path");
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) FailErrno(c.env, "cannot open", errno);
  struct stat st;
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size <= 0) {
    const int error = errno;
    close(fd);
    FailErrno(c.env, "not a regular file with bytes", error == 0 ? EINVAL : error);
  }
  const size_t length = static_cast<size_t>(st.st_size);
  void* address = mmap(nullptr, length, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (address == MAP_FAILED) {
    const int error = errno;
    close(fd);
    FailErrno(c.env, "cannot map memory", error);
  }
  size_t done = 0;
  while (done < length) {
    const ssize_t n = pread(fd, static_cast<char*>(address) + done, length - done, static_cast<off_t>(done));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const int error = n < 0 ? errno : EIO;  // 0: the file shrank while being read
      close(fd);
      munmap(address, length);
      FailErrno(c.env, "cannot read", error);
    }
    done += static_cast<size_t>(n);
  }
  close(fd);
  auto* pages = new Pages{address, length};
  LivePages()[address] = pages;
  return Napi::ArrayBuffer::New(
      c.env, address, length,
      [](Napi::Env, void*, Pages* p) {
        Unmap(p);
        delete p;
      },
      pages);
}

// releaseFileBytes(buffer): detaches a buffer of readFileBytes and unmaps its pages now.
Napi::Value ReleaseFileBytes(const Napi::CallbackInfo& info) {
  const Caller c{info.Env(), "releaseFileBytes"};
  if (!info[0].IsArrayBuffer()) c.Fail("buffer must be an ArrayBuffer from readFileBytes");
  Napi::ArrayBuffer buffer = info[0].As<Napi::ArrayBuffer>();
  auto it = LivePages().find(buffer.Data());
  if (it == LivePages().end() || it->second->length != buffer.ByteLength()) {
    c.Fail("buffer must be an ArrayBuffer from readFileBytes");
  }
  Pages* pages = it->second;
  buffer.Detach();
  Unmap(pages);
  return info.Env().Undefined();
}

}  // namespace

void RegisterFileBytesBinding(Napi::Env env, Napi::Object exports) {
  exports.Set("readFileBytes", Napi::Function::New(env, ReadFileBytes, "readFileBytes"));
  exports.Set("releaseFileBytes", Napi::Function::New(env, ReleaseFileBytes, "releaseFileBytes"));
}

}  // namespace ernie_slim
