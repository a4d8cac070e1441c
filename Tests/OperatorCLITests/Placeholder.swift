import Testing

@Suite struct OperatorCLIPlaceholder {}
