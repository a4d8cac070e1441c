import Testing

@Suite struct TiKVSimulatorPlaceholder {}
