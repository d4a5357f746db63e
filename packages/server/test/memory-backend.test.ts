import { MemoryBackend } from '../src/backend/memory/memory.js';
import { backendContract } from './backend-contract.js';
import { backendQuotasContract } from './backend-quotas-contract.js';

backendContract('memory', ({ historyMaxEvents }) => new MemoryBackend({ historyMaxEvents }));
backendQuotasContract('memory', () => new MemoryBackend());
