import Foundation
import SubjectEtcd

/// etcd v3 gateway bodies through `EtcdGatewayDecoder`, what `EtcdGatewayClient` runs. The first byte
/// picks the decoder: member list, status, health (200 or 503), error body.
public enum EtcdGatewayJSONTarget {
    public static let decoderNames = ["member_list", "status", "health", "error"]

    public static func run(_ input: Data) {
        guard let selector = input.first else { return }
        let body = Data(input.dropFirst())
        switch Int(selector) % decoderNames.count {
        case 0:
            if let list = try? EtcdGatewayDecoder.memberList(body) { _ = String(describing: list) }
        case 1:
            if let status = try? EtcdGatewayDecoder.status(body) { _ = String(describing: status) }
        case 2:
            _ = try? EtcdGatewayDecoder.health(body, httpStatus: selector & 0x80 == 0 ? 200 : 503)
        default:
            _ = EtcdGatewayDecoder.errorMessage(body)
        }
    }
}
