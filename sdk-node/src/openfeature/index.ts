export {
  SwitchyardProvider,
  type ProviderSettings,
  type SwitchyardProviderOptions,
} from './provider.js'
