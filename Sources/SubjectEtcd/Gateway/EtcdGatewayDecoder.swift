import Foundation
import PrometheusClient

/// The gateway body decoders the client runs, without the HTTP: the entry point for the fuzz targets
/// (`Fuzz/`) and for tests that feed bodies directly. Errors are the client's own, naming the field.
public enum EtcdGatewayDecoder {
    /// `POST /v3/cluster/member/list`.
    public static func memberList(_ body: Data, url: String = "member/list") throws(EtcdGatewayError) -> EtcdMemberListResponse {
        do throws(GatewayJSON.Malformed) { return try EtcdMemberListResponse(json: body) } catch { throw malformed(url, error, body) }
    }

    /// `POST /v3/maintenance/status`.
    public static func status(_ body: Data, url: String = "maintenance/status") throws(EtcdGatewayError) -> EtcdStatusResponse {
        do throws(GatewayJSON.Malformed) { return try EtcdStatusResponse(json: body) } catch { throw malformed(url, error, body) }
    }

    /// `GET /health`, answered with `httpStatus` (200 or 503).
    public static func health(_ body: Data, httpStatus: Int = 200, url: String = "health") throws(EtcdGatewayError)
        -> EtcdHealthResponse
    {
        do throws(GatewayJSON.Malformed) { return try EtcdHealthResponse(json: body, httpStatus: httpStatus) } catch {
            throw malformed(url, error, body)
        }
    }

    /// The gateway's error body (`{"error":…,"message":…,"code":14}`): its message, when it is one.
    public static func errorMessage(_ body: Data) -> String? {
        EtcdGatewayErrorBody(json: body)?.message
    }

    static func malformed(_ url: String, _ error: GatewayJSON.Malformed, _ body: Data) -> EtcdGatewayError {
        EtcdGatewayError(
            url: url,
            kind: .malformed(
                field: error.field, problem: error.problem, preview: BodyPreview.text(String(decoding: body, as: UTF8.self))))
    }
}
