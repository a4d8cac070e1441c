import Testing

@Suite struct DeployLocalPlaceholder {}
