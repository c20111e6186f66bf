#include "dispatcher/web/web_server.h"

#include <Poco/Net/Context.h>
#include <Poco/Net/HTMLForm.h>
#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServer.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/IPAddress.h>
#include <Poco/Net/MessageHeader.h>
#include <Poco/Net/NameValueCollection.h>
#include <Poco/Net/NetException.h>
#include <Poco/Net/PartHandler.h>
#include <Poco/Net/SSLManager.h>
#include <Poco/Net/SecureServerSocket.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/StreamCopier.h>
#include <Poco/URI.h>

#include "shared/log/logger.h"

namespace kehrbote {
namespace {

// Keeps the "file" part of a multipart form, up to a limit.
class UploadPart : public Poco::Net::PartHandler {
 public:
  explicit UploadPart(std::size_t limit) : limit_(limit) {}
  void handlePart(const Poco::Net::MessageHeader& header, std::istream& stream) override {
    std::string disposition;
    Poco::Net::NameValueCollection params;
    Poco::Net::MessageHeader::splitParameters(header.get("Content-Disposition", ""), disposition,
                                              params);
    if (params.get("name", "") != "file") return;
    name = params.get("filename", "");
    char buf[8192];
    while (stream.read(buf, sizeof buf) || stream.gcount() > 0) {
      data.append(buf, static_cast<std::size_t>(stream.gcount()));
      if (data.size() > limit_) throw Poco::Net::HTMLFormException("upload too large");
    }
  }
  std::string name, data;

 private:
  std::size_t limit_;
};

std::string LastForwardedFor(const std::string& header) {
  std::string last = header.substr(header.rfind(',') == std::string::npos ? 0 : header.rfind(',') + 1);
  while (!last.empty() && last.front() == ' ') last.erase(0, 1);
  return last;
}

class PortalHandler : public Poco::Net::HTTPRequestHandler {
 public:
  PortalHandler(const Router& router, const WebServerOptions& options)
      : router_(router), options_(options) {}

  void handleRequest(Poco::Net::HTTPServerRequest& in, Poco::Net::HTTPServerResponse& out) override {
    WebResponse response;
    try {
      WebRequest req = Read(in);
      response = router_.Handle(req);
    } catch (const Poco::Net::HTMLFormException&) {
      response.status = 413;
      response.content_type = "text/plain; charset=utf-8";
      response.body = "Anfrage zu groß oder fehlerhaft\n";
    } catch (const std::exception& e) {
      // The path only: queries may hold a searched phone number.
      Log("web").Error(in.getMethod() + " " + Poco::URI(in.getURI()).getPath() + ": " + e.what());
      response.status = 500;
      response.content_type = "text/plain; charset=utf-8";
      response.body = "Interner Fehler\n";
    }
    out.setStatusAndReason(static_cast<Poco::Net::HTTPResponse::HTTPStatus>(response.status));
    out.setContentType(response.content_type);
    for (const auto& [name, value] : response.headers) {
      if (name == "Set-Cookie") out.add(name, value);
      else out.set(name, value);
    }
    out.setContentLength64(static_cast<Poco::Int64>(response.body.size()));
    out.send() << response.body;
  }

 private:
  WebRequest Read(Poco::Net::HTTPServerRequest& in) {
    if (in.getContentLength64() > static_cast<Poco::Int64>(options_.max_body_bytes))
      throw Poco::Net::HTMLFormException("body too large");
    WebRequest req;
    req.method = in.getMethod();
    Poco::URI uri(in.getURI());
    req.path = uri.getPath();
    for (const auto& [k, v] : uri.getQueryParameters()) req.params[k] = v;
    req.address = in.clientAddress().host().toString();
    if (options_.trust_proxy && in.has("X-Forwarded-For"))
      req.address = LastForwardedFor(in.get("X-Forwarded-For"));
    Poco::Net::NameValueCollection cookies;
    in.getCookies(cookies);
    for (const auto& [k, v] : cookies) req.cookies[k] = v;
    if (req.method == "POST") {
      UploadPart upload(options_.max_body_bytes);
      Poco::Net::HTMLForm form;
      form.setFieldLimit(100);
      form.load(in, in.stream(), upload);
      for (const auto& [k, v] : form) req.params[k] = v;
      req.upload = std::move(upload.data);
      req.upload_name = upload.name;
    }
    return req;
  }

  const Router& router_;
  const WebServerOptions& options_;
};

class PortalHandlerFactory : public Poco::Net::HTTPRequestHandlerFactory {
 public:
  PortalHandlerFactory(const Router& router, const WebServerOptions& options)
      : router_(router), options_(options) {}
  Poco::Net::HTTPRequestHandler* createRequestHandler(const Poco::Net::HTTPServerRequest&) override {
    return new PortalHandler(router_, options_);
  }

 private:
  const Router& router_;
  const WebServerOptions& options_;
};

}  // namespace

WebServer::WebServer(WebServerOptions options, const Router& router)
    : options_(std::move(options)), router_(router) {}

WebServer::~WebServer() { Stop(); }

std::string WebServer::Url() const {
  std::string host = options_.address.find(':') != std::string::npos ? "[" + options_.address + "]"
                                                                       : options_.address;
  return std::string(options_.https() ? "https" : "http") + "://" + host + ":" +
         std::to_string(port_) + "/";
}

void WebServer::Start() {
  std::string where = options_.address + ":" + std::to_string(options_.port);
  try {
    Poco::Net::IPAddress ip(options_.address);
    if (!options_.https() && !ip.isLoopback()) {
      throw WebServerError("web " + where +
                           ": plain HTTP only on a loopback address (behind a reverse proxy); "
                           "give --cert and --key for HTTPS");
    }
    Poco::Net::SocketAddress at(ip, static_cast<Poco::UInt16>(options_.port));
    std::unique_ptr<Poco::Net::ServerSocket> socket;
    if (options_.https()) {
      Poco::Net::initializeSSL();
      Poco::Net::Context::Ptr context = new Poco::Net::Context(
          Poco::Net::Context::TLS_SERVER_USE, options_.key_file, options_.cert_file, "",
          Poco::Net::Context::VERIFY_NONE);
      context->disableProtocols(Poco::Net::Context::PROTO_SSLV2 | Poco::Net::Context::PROTO_SSLV3 |
                                Poco::Net::Context::PROTO_TLSV1 | Poco::Net::Context::PROTO_TLSV1_1);
      socket = std::make_unique<Poco::Net::SecureServerSocket>(at, 64, context);
    } else {
      socket = std::make_unique<Poco::Net::ServerSocket>(at, 64);
    }
    port_ = socket->address().port();
    auto* params = new Poco::Net::HTTPServerParams;
    params->setMaxThreads(options_.threads);
    params->setMaxQueued(options_.queue);
    params->setTimeout(Poco::Timespan(options_.timeout.count(), 0));
    params->setKeepAlive(true);
    params->setMaxKeepAliveRequests(100);
    params->setKeepAliveTimeout(Poco::Timespan(5, 0));
    server_ = std::make_unique<Poco::Net::HTTPServer>(new PortalHandlerFactory(router_, options_),
                                                      *socket, params);
    server_->start();
  } catch (const WebServerError&) {
    throw;
  } catch (const Poco::Exception& e) {
    throw WebServerError("web " + where + ": " + e.displayText());
  }
}

void WebServer::Stop() {
  if (!server_) return;
  server_->stopAll(true);
  server_.reset();
}

}  // namespace kehrbote
