// Which Sui network the browser wallet talks to. With the mock chain the wallet only signs
// messages offline (no node is contacted), so any network name will do; localnet is honest.
export type AppSuiNetwork = "mock" | "testnet" | "mainnet";

export const FULLNODE_URLS = {
  testnet: "https://fullnode.testnet.sui.io:443",
  mainnet: "https://fullnode.mainnet.sui.io:443",
  localnet: "http://127.0.0.1:9000",
} as const;

export function walletNetworkFor(network: AppSuiNetwork): keyof typeof FULLNODE_URLS {
  return network === "mock" ? "localnet" : network;
}
